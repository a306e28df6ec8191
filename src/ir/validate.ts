// Checks an IR graph before it is written, so a bad graph fails at compile time with
// a message naming the tensor or op, not later on a device.
import type { Encoding, Graph, Tensor } from './types.js';
import { sizeOf } from './shape.js';
import { opInputs } from './ops.js';
import { attrsOf } from '../format/opattrs.js';
import { opNamed } from '../runtime/registry.js';
import '../runtime/op/all.js';
import { badStored, MIN_DIVISOR } from '../runtime/finite.js';

export class GraphError extends Error {}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new GraphError(message);
}

/** Refuses stored floats the runtime would refuse (src/runtime/finite.ts): NaN, ±Infinity, |x| ≥ 2^64. */
function checkFloats(at: string, what: string, a: ArrayLike<number>): void {
  const i = badStored(a);
  check(i < 0, `${at}: ${what} ${i} is ${a[i]}: a stored float must be finite and below 2^64`);
}

/** The floats an encoding stores, by what the runtime calls them. */
function storedFloats(e: Encoding): [string, ArrayLike<number>][] {
  switch (e.kind) {
    case 'float32':
      return [['value', e.data]];
    case 'codebook':
      return [['codebook value', e.codebook]];
    case 'sparse':
      return [e.values.kind === 'float32' ? ['value', e.values.data] : ['codebook value', e.values.codebook]];
    case 'binary':
      return [['row scale', e.scale]];
    default:
      return [['scale', e.scale]];
  }
}

/** Checks that an encoding agrees with its tensor's shape and its own tables. */
function checkEncoding(t: Tensor, e: Encoding): void {
  const size = sizeOf(t.shape);
  const at = `tensor '${t.name}' (${e.kind})`;
  switch (e.kind) {
    case 'float32':
      check(e.data.length === size, `${at}: ${e.data.length} values for shape [${t.shape}]`);
      return;
    case 'int8': {
      const channels = e.axis < 0 ? 1 : t.shape[e.axis];
      check(e.axis >= -1 && e.axis < t.shape.length, `${at}: axis ${e.axis} outside rank ${t.shape.length}`);
      check(
        e.scale.length === channels && e.zeroPoint.length === channels,
        `${at}: needs ${channels} scales and zero points`,
      );
      check(e.values.length === size, `${at}: ${e.values.length} values for shape [${t.shape}]`);
      return;
    }
    case 'codebook':
      check(
        e.codebook.length >= 1 && e.codebook.length <= 256,
        `${at}: codebook size ${e.codebook.length} not in 1..256`,
      );
      check(e.indices.length === size, `${at}: ${e.indices.length} indices for shape [${t.shape}]`);
      check(
        e.indices.every((i) => i < e.codebook.length),
        `${at}: an index is beyond the codebook`,
      );
      return;
    case 'sparse': {
      check(e.gapBits >= 1 && e.gapBits <= 8, `${at}: gap bits ${e.gapBits} not in 1..8`);
      const entries = e.gaps.length;
      let last = -1;
      for (const g of e.gaps) {
        check(g < 1 << e.gapBits, `${at}: gap ${g} does not fit ${e.gapBits} bits`);
        last += g + 1;
      }
      check(last < size, `${at}: entries run to position ${last}, past ${size} weights`);
      const values = e.values.kind === 'float32' ? e.values.data.length : e.values.indices.length;
      check(values === entries, `${at}: ${values} values for ${entries} entries`);
      if (e.values.kind === 'codebook') {
        const cb = e.values.codebook;
        check(cb.length >= 1 && cb.length <= 256, `${at}: codebook size ${cb.length} not in 1..256`);
        check(
          e.values.indices.every((i) => i < cb.length),
          `${at}: an index is beyond the codebook`,
        );
      }
      return;
    }
    case 'int32': {
      const channels = e.axis < 0 ? 1 : t.shape[e.axis];
      check(e.axis >= -1 && e.axis < t.shape.length, `${at}: axis ${e.axis} outside rank ${t.shape.length}`);
      check(e.scale.length === channels, `${at}: needs ${channels} scales`);
      check(e.values.length === size, `${at}: ${e.values.length} values for shape [${t.shape}]`);
      return;
    }
    case 'binary': {
      const rows = t.shape.length ? t.shape[0] : 1;
      check(e.scale.length === rows, `${at}: needs ${rows} row scales`);
      check(e.signs.length === size, `${at}: ${e.signs.length} signs for shape [${t.shape}]`);
      return;
    }
  }
}

/** The input normalisation must be stored floats the runtime accepts at load (std at least 2^-64). */
function checkMetadata(g: Graph): void {
  const norm = g.metadata.normalization;
  if (!norm) return;
  for (const [name, a] of [
    ['mean', norm.mean],
    ['std', norm.std],
  ] as const) {
    // Other shapes are the runtime's to refuse at load, as it does.
    if (!Array.isArray(a)) continue;
    const i = badStored(a);
    check(i < 0, `metadata normalization: ${name}[${i}] is ${a[i]}: it must be finite and below 2^64`);
    const tiny = name === 'std' ? a.findIndex((x) => !(Math.abs(x) >= MIN_DIVISOR)) : -1;
    check(tiny < 0, `metadata normalization: std[${tiny}] is ${a[tiny]}: a divisor must be at least 2^-64`);
  }
}

/**
 * Refuses a graph storing a float the runtime would refuse at load: every weight, bias,
 * codebook and scale, and the input normalisation. compile() checks this before it
 * compresses (k-means and quantisation over a NaN give nonsense), the writer again.
 */
export function checkFinite(g: Graph): void {
  // The first op reading each tensor, to name it in errors about the tensor.
  const user = new Map<string, string>();
  g.ops.forEach((op, i) => {
    for (const name of attrsOf(op).tensors)
      if (name !== undefined && !user.has(name)) user.set(name, `, of op ${i} (${op.op} → '${op.output}')`);
  });
  for (const t of g.tensors)
    for (const [what, a] of storedFloats(t.encoding))
      checkFloats(`tensor '${t.name}' (${t.encoding.kind}${user.get(t.name) ?? ''})`, what, a);
  checkMetadata(g);
}

export function validateGraph(g: Graph): void {
  checkFinite(g);
  const tensors = new Map<string, Tensor>();
  for (const t of g.tensors) {
    check(!tensors.has(t.name), `tensor '${t.name}' is defined twice`);
    check(
      t.shape.every((d) => Number.isInteger(d) && d >= 1),
      `tensor '${t.name}': bad shape [${t.shape}]`,
    );
    checkEncoding(t, t.encoding);
    tensors.set(t.name, t);
  }
  const shapes = new Map<string, number[]>();
  for (const v of [...g.inputs, ...g.values]) {
    check(!shapes.has(v.name), `value '${v.name}' is defined twice`);
    check(
      v.shape.every((d) => Number.isInteger(d) && d >= 1),
      `value '${v.name}': bad shape [${v.shape}]`,
    );
    shapes.set(v.name, v.shape);
    if (v.quant)
      check(
        v.quant.scale > 0 &&
          Math.fround(v.quant.scale) < Infinity &&
          Number.isInteger(v.quant.zeroPoint) &&
          v.quant.zeroPoint >= -128 &&
          v.quant.zeroPoint <= 127,
        `value '${v.name}': int8 needs a positive scale and a zero point in -128..127`,
      );
  }
  check(g.inputs.length >= 1 && g.outputs.length >= 1, 'the graph needs at least one input and one output');
  const ready = new Set(g.inputs.map((v) => v.name));
  g.ops.forEach((op, i) => {
    const at = `op ${i} (${op.op} → '${op.output}')`;
    const k = opNamed(op.op);
    check(k !== null, `${at}: unknown op`);
    const inputs = opInputs(op);
    for (const name of inputs)
      check(ready.has(name), `${at}: input '${name}' is not computed before this op`);
    check(shapes.has(op.output) && !ready.has(op.output), `${at}: output is undeclared or written twice`);
    ready.add(op.output);
    const attrs = attrsOf(op);
    for (const name of attrs.tensors)
      check(name === undefined || tensors.has(name), `${at}: tensor '${name}' does not exist`);
    for (const v of [...attrs.nums.filter((_, j) => k!.attrs.replace(/[TL]/g, '')[j] === 'i'), ...attrs.list])
      check(
        Number.isInteger(v) && v >= 0 && v <= 0xffff,
        `${at}: attribute ${v} is not an integer in 0..65535`,
      );
    check(attrs.list.length <= 8, `${at}: more than 8 list entries`);
    for (const v of attrs.nums) check(v === v, `${at}: an attribute is NaN`);
    check(inputs.length >= 1 && inputs.length <= 64, `${at}: needs 1..64 inputs`);
    if (op.op === 'add' || op.op === 'mul')
      check(
        (op.other === undefined) !== (op.constant === undefined),
        `${at}: needs exactly one of a second value ('other') or a constant tensor`,
      );
    const info = k!.check(
      inputs.map((n) => shapes.get(n)!),
      shapes.get(op.output)!,
      attrs.tensors.map((n) => (n === undefined ? null : tensors.get(n)!.shape)),
      attrs.nums,
      attrs.list,
    );
    check(typeof info !== 'string', `${at}: ${info as string}`);
    if (op.op === 'reshape')
      check(
        sizeOf(op.shape) === sizeOf(shapes.get(op.output)!),
        `${at}: target shape [${op.shape}] does not match the output`,
      );
  });
  for (const name of g.outputs) check(ready.has(name), `output '${name}' is never computed`);
  check(
    g.values.length === g.ops.length,
    `${g.values.length} values declared for ${g.ops.length} ops (one per op output)`,
  );
  check(
    g.tensors.length < 0xffff && g.inputs.length + g.values.length < 0xffff,
    'too many tensors or values for the format',
  );
}
