// An independent float reference: decodes IR encodings and runs the graph with plain
// loops, sharing no code with the runtime, to check the runtime against.
import type { Encoding, Graph } from '../../src/ir/types.js';

export function referenceDecode(e: Encoding, shape: number[]): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  switch (e.kind) {
    case 'float32':
      out.set(e.data);
      break;
    case 'int8': {
      const inner = e.axis < 0 ? n : shape.slice(e.axis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) {
        const c = e.axis < 0 ? 0 : Math.floor(i / inner) % shape[e.axis];
        out[i] = e.scale[c] * (e.values[i] - e.zeroPoint[c]);
      }
      break;
    }
    case 'codebook':
      e.indices.forEach((k, i) => (out[i] = e.codebook[k]));
      break;
    case 'sparse': {
      let pos = -1;
      e.gaps.forEach((g, i) => {
        pos += g + 1;
        out[pos] = e.values.kind === 'float32' ? e.values.data[i] : e.values.codebook[e.values.indices[i]];
      });
      break;
    }
    case 'binary': {
      const perRow = n / e.scale.length;
      e.signs.forEach((s, i) => (out[i] = (s ? 1 : -1) * e.scale[Math.floor(i / perRow)]));
      break;
    }
  }
  return out;
}

/** Runs the graph in float64 on one input; returns the first output. */
export function referenceRun(g: Graph, input: ArrayLike<number>): Float64Array {
  const env = new Map<string, Float64Array>([[g.inputs[0].name, Float64Array.from(input)]]);
  const weight = (name: string) => {
    const t = g.tensors.find((x) => x.name === name)!;
    return referenceDecode(t.encoding, t.shape);
  };
  for (const op of g.ops) {
    const x = env.get(op.input)!;
    let y: Float64Array;
    if (op.op === 'dense') {
      const w = weight(op.weight);
      const b = op.bias ? weight(op.bias) : null;
      const outN = w.length / x.length;
      y = new Float64Array(outN);
      for (let o = 0; o < outN; o++) {
        let acc = b ? b[o] : 0;
        for (let i = 0; i < x.length; i++) acc += w[o * x.length + i] * x[i];
        y[o] = acc;
      }
    } else if (op.op === 'relu') y = x.map((v) => Math.max(0, v));
    else if (op.op === 'softmax') {
      const m = Math.max(...x);
      const e = x.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      y = e.map((v) => v / s);
    } else y = x;
    env.set(op.output, y);
  }
  return env.get(g.outputs[0])!;
}
