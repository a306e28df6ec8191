// IR ⇄ tf.LayersModel for the ops the trainer knows: Sequential models of InputLayer,
// Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Activation/ReLU/Softmax and
// Dropout. A TF.js model.json (+ weights) on disk is read through tf.io.fromMemory.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import type { Graph, Op, Tensor, Value } from '../ir/types.js';
import { decodeWeights } from '../format/decode.js';

const KNOWN = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'Flatten',
  'Activation',
  'ReLU',
  'Softmax',
  'Dropout',
];

type Config = Record<string, unknown>;

/** Loads a TF.js Layers model.json and its weight files (paths relative to it). */
export async function loadLayersModelFile(file: string): Promise<tfTypes.LayersModel> {
  const json = JSON.parse(await readFile(file, 'utf8')) as {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
  };
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new Error(`mote: ${file}: not a TF.js Layers model.json (needs modelTopology and weightsManifest)`);
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest)
    for (const p of group.paths) parts.push(await readFile(path.join(path.dirname(file), p)));
  const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of parts) {
    all.set(b, at);
    at += b.length;
  }
  // Check the weight bytes against the manifest here, so the error names the file and weight.
  let need = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const bytes =
      w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === undefined ? 4 : 0);
    if (!bytes && w.shape.reduce((a, b) => a * b, 1))
      throw new Error(`mote: ${file}: weight '${w.name}': dtype ${w.dtype} is not supported (float32 only)`);
    if (need + bytes > all.length)
      throw new Error(
        `mote: ${file}: weight '${w.name}' [${w.shape}] needs bytes ${need}..${need + bytes} of the weight files (${json.weightsManifest.flatMap((g) => g.paths).join(', ')}), which hold ${all.length} bytes`,
      );
    need += bytes;
  }
  if (need !== all.length)
    throw new Error(
      `mote: ${file}: the weight files hold ${all.length} bytes, the manifest describes ${need}`,
    );
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tfTypes.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: all.buffer,
    }),
  );
}

/** The IR graph of a Sequential tf.LayersModel; `source` names the model in errors. */
export function graphFromLayersModel(model: tfTypes.LayersModel, source: string): Graph {
  const inputShape = model.inputs[0].shape.slice(1);
  if (!inputShape.every((d): d is number => typeof d === 'number' && d > 0))
    throw new Error(`mote: ${source}: the input shape [${inputShape}] must be fully known`);
  const inputs: Value[] = [{ name: 'input', shape: inputShape as number[] }];
  const values: Value[] = [];
  const tensors: Tensor[] = [];
  const ops: Op[] = [];
  let current = 'input';
  const push = (op: Op, shape: number[]) => {
    ops.push(op);
    values.push({ name: op.output, shape });
    current = op.output;
  };
  const activation = (name: string, act: unknown, where: string, shape: number[]) => {
    if (act === undefined || act === null || act === 'linear') return;
    if (act === 'relu' || act === 'softmax')
      return push({ op: act, input: current, output: `${name}.${act}` }, shape);
    throw new Error(
      `mote: ${source} ${where}: unsupported activation '${String(act)}' (supported: linear, relu, softmax)`,
    );
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Config;
    const where = `layer '${layer.name}'`;
    if (!KNOWN.includes(cls))
      throw new Error(
        `mote: ${source} ${where}: unknown layer type '${cls}' (supported: ${KNOWN.join(', ')})`,
      );
    const out = (layer.outputShape as (number | null)[]).slice(1) as number[];
    const w = layer.getWeights().map((t) => t.dataSync() as Float32Array);
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
        break;
      case 'Flatten':
        push({ op: 'reshape', input: current, output: layer.name, shape: out }, out);
        break;
      case 'Activation':
      case 'ReLU':
      case 'Softmax': {
        const act = cls === 'Activation' ? cfg.activation : cls.toLowerCase();
        if (act !== 'relu' && act !== 'softmax')
          throw new Error(`mote: ${source} ${where}: unsupported activation '${String(act)}'`);
        push({ op: act, input: current, output: layer.name }, out);
        break;
      }
      case 'Dense': {
        const [kernel, bias] = w;
        const units = out[out.length - 1];
        const n = kernel.length / units;
        const t = new Float32Array(kernel.length);
        for (let i = 0; i < n; i++) for (let o = 0; o < units; o++) t[o * n + i] = kernel[i * units + o];
        tensors.push({
          name: `${layer.name}.weight`,
          shape: [units, n],
          encoding: { kind: 'float32', data: t },
        });
        if (bias)
          tensors.push({
            name: `${layer.name}.bias`,
            shape: [units],
            encoding: { kind: 'float32', data: bias },
          });
        push(
          {
            op: 'dense',
            input: current,
            output: layer.name,
            weight: `${layer.name}.weight`,
            ...(bias ? { bias: `${layer.name}.bias` } : {}),
          },
          out,
        );
        activation(layer.name, cfg.activation, where, out);
        break;
      }
      case 'Conv2D': {
        const [kernel, bias] = w;
        const [kh, kw] = cfg.kernelSize as [number, number];
        const strides = cfg.strides as [number, number];
        const dil = cfg.dilationRate as number | [number, number];
        if (cfg.dataFormat !== 'channelsLast')
          throw new Error(`mote: ${source} ${where}: only channels_last is supported`);
        if ((typeof dil === 'number' ? dil : Math.max(...dil)) !== 1)
          throw new Error(`mote: ${source} ${where}: dilated convolutions are not supported`);
        const outC = out[2];
        const inC = kernel.length / (kh * kw * outC);
        // TF [kH, kW, inC, outC] → IR [outC, kH, kW, inC].
        const t = new Float32Array(kernel.length);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let c = 0; c < inC; c++)
              for (let o = 0; o < outC; o++)
                t[((o * kh + y) * kw + x) * inC + c] = kernel[((y * kw + x) * inC + c) * outC + o];
        const prev = values.length ? values[values.length - 1].shape : inputs[0].shape;
        const pads = samePads(cfg.padding, prev, [kh, kw], strides);
        tensors.push({
          name: `${layer.name}.weight`,
          shape: [outC, kh, kw, inC],
          encoding: { kind: 'float32', data: t },
        });
        if (bias)
          tensors.push({
            name: `${layer.name}.bias`,
            shape: [outC],
            encoding: { kind: 'float32', data: bias },
          });
        push(
          {
            op: 'conv2d',
            input: current,
            output: layer.name,
            weight: `${layer.name}.weight`,
            ...(bias ? { bias: `${layer.name}.bias` } : {}),
            strides: [strides[0], strides[1]],
            pads,
            dilations: [1, 1],
            groups: 1,
          },
          out,
        );
        activation(layer.name, cfg.activation, where, out);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (cfg.padding !== 'valid')
          throw new Error(`mote: ${source} ${where}: only 'valid' pooling is supported`);
        const k = cfg.poolSize as [number, number];
        const s = (cfg.strides ?? k) as [number, number];
        push(
          {
            op: cls === 'MaxPooling2D' ? 'maxpool' : 'avgpool',
            input: current,
            output: layer.name,
            kernel: [k[0], k[1]],
            strides: [s[0], s[1]],
            pads: [0, 0, 0, 0],
            dilations: [1, 1],
          },
          out,
        );
        break;
      }
    }
  }
  if (!ops.length) throw new Error(`mote: ${source}: the model has no layers`);
  return { inputs, outputs: [current], values, tensors, ops, metadata: { name: model.name } };
}

function samePads(
  padding: unknown,
  inShape: number[],
  k: [number, number],
  s: [number, number],
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const pad = (size: number, kk: number, ss: number) =>
    Math.max((Math.ceil(size / ss) - 1) * ss + kk - size, 0);
  const ph = pad(inShape[0], k[0], s[0]);
  const pw = pad(inShape[1], k[1], s[1]);
  return [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)];
}

/**
 * A tf.LayersModel computing what the IR graph computes (weights decoded from whatever
 * encoding they have): the TF.js reference for a compressed model. Sequential graphs of
 * dense, conv2d, pooling, relu, softmax and reshape.
 */
export function layersModelFromGraph(g: Graph): tfTypes.Sequential {
  const model = tf.sequential();
  const byName = new Map(g.tensors.map((t) => [t.name, t]));
  const shapes = new Map([...g.inputs, ...g.values].map((v) => [v.name, v.shape]));
  const first = { inputShape: g.inputs[0].shape };
  let firstUsed = false;
  const opts = () => (firstUsed ? {} : ((firstUsed = true), first));
  for (const op of g.ops) {
    switch (op.op) {
      case 'dense': {
        const w = byName.get(op.weight)!;
        const [m, n] = w.shape;
        const ir = decodeWeights(w);
        const kernel = new Float32Array(m * n);
        for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) kernel[i * m + o] = ir[o * n + i];
        const prev = shapes.get(op.input)!;
        if (prev.length !== 1) model.add(tf.layers.flatten(opts()));
        const layer = tf.layers.dense({ units: m, useBias: op.bias !== undefined, ...opts() });
        model.add(layer);
        layer.setWeights([
          tf.tensor2d(kernel, [n, m]),
          ...(op.bias ? [tf.tensor1d(decodeWeights(byName.get(op.bias)!))] : []),
        ]);
        break;
      }
      case 'conv2d': {
        const w = byName.get(op.weight)!;
        const [outC, kh, kw, inC] = w.shape;
        if (op.pads.some((p) => p) || op.groups !== 1)
          throw new Error('mote: layersModelFromGraph: only unpadded plain conv2d');
        const ir = decodeWeights(w);
        const kernel = new Float32Array(ir.length);
        for (let o = 0; o < outC; o++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              for (let c = 0; c < inC; c++)
                kernel[((y * kw + x) * inC + c) * outC + o] = ir[((o * kh + y) * kw + x) * inC + c];
        const layer = tf.layers.conv2d({
          filters: outC,
          kernelSize: [kh, kw],
          strides: op.strides,
          useBias: op.bias !== undefined,
          ...opts(),
        });
        model.add(layer);
        layer.setWeights([
          tf.tensor4d(kernel, [kh, kw, inC, outC]),
          ...(op.bias ? [tf.tensor1d(decodeWeights(byName.get(op.bias)!))] : []),
        ]);
        if (op.clip)
          model.add(tf.layers.reLU({ maxValue: op.clip[1] === Infinity ? undefined : op.clip[1] }));
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const make = op.op === 'maxpool' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
        model.add(make({ poolSize: op.kernel, strides: op.strides, ...opts() }));
        break;
      }
      case 'relu':
        model.add(tf.layers.reLU(opts()));
        break;
      case 'softmax':
        model.add(tf.layers.softmax(opts()));
        break;
      case 'reshape':
        model.add(tf.layers.reshape({ targetShape: op.shape, ...opts() }));
        break;
      default:
        throw new Error(`mote: layersModelFromGraph: op '${op.op}' has no TF.js layer here`);
    }
  }
  return model;
}
