// The ONNX importer: ModelProto → IR graph. Values keep ONNX's layout at the graph's
// inputs and outputs (a user feeds NCHW and gets what the original model returns);
// conv and pool ops run channels-last inside, with transposes only where needed.
// mote runs one sample at a time: the batch axis (axis 0 of every input of rank ≥ 2)
// is dropped, and `inputs`/`outputs` say which values carry it.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Graph } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import { decodeModel, tensorValues, type ValueInfo } from './decode.js';
import { attrsOf } from './attrs.js';
import { Ctx, OnnxError } from './context.js';
import { HANDLERS } from './nodes.js';

/** A graph input or output: its ONNX name and shape, and its mote value. */
export interface OnnxBoundary {
  onnxName: string;
  moteName: string;
  /** ONNX shape, batch axis included when `batched`. */
  shape: number[];
  /** Axis 0 is a batch axis: mote takes and returns one sample of it per run. */
  batched: boolean;
}

export interface OnnxImport {
  graph: Graph;
  inputs: OnnxBoundary[];
  outputs: OnnxBoundary[];
  opset: number;
}

export { OnnxError };

/** The ONNX ops the importer maps (others fail with "unsupported op"). */
export const ONNX_OPS = Object.keys(HANDLERS).sort();

function inputShape(c: Ctx, v: ValueInfo): number[] {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) c.fail(`graph input '${v.name}' has no tensor shape`);
  const elem = v.type?.tensorType?.elemType;
  // float, float16 and double inputs are all fed as numbers (and run in float32).
  if (elem !== undefined && elem !== 1 && elem !== 10 && elem !== 11)
    c.fail(`graph input '${v.name}' is not a float tensor (element type ${elem})`);
  return dims.map((d, i) => {
    if (d.dimValue !== undefined && Number(d.dimValue) > 0) return Number(d.dimValue);
    // A symbolic batch axis runs one sample at a time, like any other.
    if (i === 0 && dims.length >= 2) return 1;
    c.fail(
      `graph input '${v.name}' has a symbolic dimension ${i} ('${d.dimParam ?? '?'}'); mote needs a fixed size`,
    );
  });
}

export function importOnnxModel(bytes: Uint8Array, file = 'model.onnx'): OnnxImport {
  const model = decodeModel(bytes, file);
  const g = model.graph!;
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 1;
  const c: Ctx = new Ctx(file, Number(opset));
  for (const t of g.initializer) {
    if (!t.name) c.fail('an initializer has no name');
    c.consts.set(t.name, tensorValues(t, `${file}: initializer '${t.name}'`));
    c.fresh(t.name);
  }
  const inputs: OnnxBoundary[] = [];
  const fed = g.input.filter((v) => !c.consts.has(v.name));
  const shapes = fed.map((v) => inputShape(c, v));
  // Inputs of rank ≥ 2 carry a batch axis when they agree on its size; inputs that
  // disagree (a matrix product of two inputs) are whole tensors, run as one sample.
  const firsts = new Set(shapes.filter((s) => s.length >= 2).map((s) => s[0]));
  fed.forEach((v, i) => {
    const shape = shapes[i];
    const name = c.fresh(v.name);
    const val = { name, shape, batched: shape.length >= 2 && firsts.size === 1, layout: 'plain' as const };
    c.vals.set(v.name, val);
    c.graph.inputs.push({ name, shape: c.moteShape(val) });
    inputs.push({ onnxName: v.name, moteName: name, shape, batched: val.batched });
  });
  // Every unsupported op is named up front, before any conversion work.
  const unsupported = g.node
    .map((n, i) => ({ n, i }))
    .filter(({ n }) => !HANDLERS[n.opType] || (n.domain && n.domain !== 'ai.onnx'));
  if (unsupported.length) {
    const list = unsupported.map(
      ({ n, i }) =>
        `unsupported op ${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.opType} in node ${i}${n.name ? ` ('${n.name}')` : ''}`,
    );
    throw new OnnxError(`mote: ${file}: ${list.join('; ')}`);
  }
  for (const n of g.node) for (const i of n.input) if (i) c.readers.set(i, (c.readers.get(i) ?? 0) + 1);
  for (const o of g.output) c.readers.set(o.name, (c.readers.get(o.name) ?? 0) + 1);
  g.node.forEach((n, i) => {
    c.node = n;
    c.nodeIndex = i;
    const handler = HANDLERS[n.opType];
    handler(c, n, attrsOf(n));
  });
  c.node = null;
  const outputs: OnnxBoundary[] = [];
  for (const o of g.output) {
    const v0 = c.vals.get(o.name);
    if (!v0) c.fail(`graph output '${o.name}' is ${c.consts.has(o.name) ? 'a constant' : 'never computed'}`);
    const v = c.relayout(v0, 'plain');
    if (c.graph.inputs.some((i) => i.name === v.name)) c.fail(`graph output '${o.name}' is a graph input`);
    c.graph.outputs.push(v.name);
    outputs.push({ onnxName: o.name, moteName: v.name, shape: v.shape, batched: v.batched });
  }
  c.graph.metadata = {
    name: g.name || path.basename(file, path.extname(file)),
    extra: {
      source: 'onnx',
      producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
      opset: String(opset),
      layout: inputs
        .map((i) => `${i.onnxName} [${i.shape.join(',')}]${i.batched ? ' (one sample per run)' : ''}`)
        .join('; '),
    },
  };
  try {
    validateGraph(c.graph);
  } catch (e) {
    throw new OnnxError(`mote: ${file}: the imported graph is invalid: ${(e as Error).message}`);
  }
  return { graph: c.graph, inputs, outputs, opset: c.opset };
}

/** The IR graph of ONNX bytes. */
export function importOnnx(bytes: Uint8Array, file?: string): Graph {
  return importOnnxModel(bytes, file).graph;
}

export async function importOnnxFile(file: string): Promise<Graph> {
  return importOnnx(await readFile(file), file);
}
