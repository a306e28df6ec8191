// A float64 reference for every IR op, written the obvious way (nested loops over
// explicit [H, W, C] / row-major indices), to check the runtime's kernels against.
import type { Graph, Op } from '../../src/ir/types.js';
import { opInputs } from '../../src/ir/ops.js';
import { sizeOf } from '../../src/ir/shape.js';
import { readMote } from '../../src/format/reader.js';
import { writeMote } from '../../src/format/writer.js';
import { decodeTensor } from '../../src/runtime/decode.js';
import { readContainer } from '../../src/runtime/container.js';
import { readTensors } from '../../src/runtime/tensors.js';

type Arr = Float64Array;

/** Row-major flat index of `idx` in `shape`. */
function flat(idx: number[], shape: number[]): number {
  return idx.reduce((a, v, d) => a * shape[d] + v, 0);
}
function unflat(i: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function broadcast(
  a: Arr,
  as: number[],
  b: Arr,
  bs: number[],
  out: number[],
  f: (x: number, y: number) => number,
): Arr {
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) {
    const idx = unflat(i, out);
    const pick = (s: number[]) =>
      flat(
        s.map((n, d) => (n === 1 ? 0 : idx[d + out.length - s.length])),
        s,
      );
    y[i] = f(a[pick(as)], b[pick(bs)]);
  }
  return y;
}

/** Runs the graph in float64 on one input per graph input; weights come from the .mote (decoded). */
export function referenceRun(g: Graph, inputs: ArrayLike<number>[]): Float64Array[] {
  const bytes = writeMote(g);
  const s = readContainer(bytes);
  const weights = new Map<string, Arr>();
  for (const t of readTensors(bytes, s)) {
    const w = new Float32Array(t.size);
    decodeTensor(bytes, t, w);
    weights.set(t.name, Float64Array.from(w));
  }
  const graph = readMote(bytes);
  const shapes = new Map([...graph.inputs, ...graph.values].map((v) => [v.name, v.shape]));
  const env = new Map<string, Arr>();
  graph.inputs.forEach((v, i) => env.set(v.name, Float64Array.from(inputs[i])));
  const tshapes = new Map(graph.tensors.map((t) => [t.name, t.shape]));
  for (const op of graph.ops) env.set(op.output, apply(op, env, shapes, weights, tshapes));
  return graph.outputs.map((n) => env.get(n)!);
}

function apply(
  op: Op,
  env: Map<string, Arr>,
  shapes: Map<string, number[]>,
  w: Map<string, Arr>,
  tshapes: Map<string, number[]>,
): Arr {
  const ins = opInputs(op);
  const x = env.get(ins[0])!;
  const xs = shapes.get(ins[0])!;
  const os = shapes.get(op.output)!;
  const y = new Float64Array(sizeOf(os));
  const map = (f: (v: number) => number) => x.map(f);
  switch (op.op) {
    case 'dense': {
      const W = w.get(op.weight)!;
      const b = op.bias ? w.get(op.bias)! : null;
      for (let o = 0; o < y.length; o++) {
        let s = b ? b[o] : 0;
        for (let i = 0; i < x.length; i++) s += W[o * x.length + i] * x[i];
        y[o] = s;
      }
      return y;
    }
    case 'conv2d': {
      const W = w.get(op.weight)!;
      const b = op.bias ? w.get(op.bias)! : null;
      const [H, Wd, C] = xs;
      const [OH, OW, OC] = os;
      const icg = C / op.groups;
      const ocg = OC / op.groups;
      const [, k0, k1] = tshapes.get(op.weight)!;
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let oc = 0; oc < OC; oc++) {
            const g = Math.floor(oc / ocg);
            let s = b ? b[oc] : 0;
            for (let ky = 0; ky < k0; ky++)
              for (let kx = 0; kx < k1; kx++)
                for (let i = 0; i < icg; i++) {
                  const iy = oy * op.strides[0] - op.pads[0] + ky * op.dilations[0];
                  const ix = ox * op.strides[1] - op.pads[1] + kx * op.dilations[1];
                  if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                  s += W[((oc * k0 + ky) * k1 + kx) * icg + i] * x[(iy * Wd + ix) * C + g * icg + i];
                }
            if (op.clip) s = Math.min(op.clip[1], Math.max(op.clip[0], s));
            y[(oy * OW + ox) * OC + oc] = s;
          }
      return y;
    }
    case 'maxpool':
    case 'avgpool': {
      const [H, Wd, C] = xs;
      const [OH, OW] = os;
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let c = 0; c < C; c++) {
            let s = op.op === 'maxpool' ? -Infinity : 0;
            let n = 0;
            let padded = 0;
            for (let ky = 0; ky < op.kernel[0]; ky++)
              for (let kx = 0; kx < op.kernel[1]; kx++) {
                const iy = oy * op.strides[0] - op.pads[0] + ky * op.dilations[0];
                const ix = ox * op.strides[1] - op.pads[1] + kx * op.dilations[1];
                if (iy >= -op.pads[0] && iy < H + op.pads[2] && ix >= -op.pads[1] && ix < Wd + op.pads[3])
                  padded++;
                if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                const v = x[(iy * Wd + ix) * C + c];
                s = op.op === 'maxpool' ? Math.max(s, v) : s + v;
                n++;
              }
            y[(oy * OW + ox) * C + c] = op.op === 'maxpool' ? s : s / (op.countIncludePad ? padded : n);
          }
      return y;
    }
    case 'globalavgpool': {
      const C = xs[2];
      for (let i = 0; i < x.length; i++) y[i % C] += x[i] / (x.length / C);
      return y;
    }
    case 'add':
    case 'mul': {
      const other = op.constant !== undefined ? w.get(op.constant)! : env.get(op.other!)!;
      const ots = op.constant !== undefined ? tshapes.get(op.constant)! : shapes.get(op.other!)!;
      return broadcast(x, xs, other, ots, os, op.op === 'add' ? (a, b) => a + b : (a, b) => a * b);
    }
    case 'prelu':
      return broadcast(x, xs, w.get(op.slope)!, tshapes.get(op.slope)!, os, (a, b) => (a >= 0 ? a : a * b));
    case 'concat': {
      let at = 0;
      for (const name of ins) {
        const v = env.get(name)!;
        const s = shapes.get(name)!;
        for (let i = 0; i < v.length; i++) {
          const idx = unflat(i, s);
          idx[op.axis] += at;
          y[flat(idx, os)] = v[i];
        }
        at += s[op.axis];
      }
      return y;
    }
    case 'pad': {
      if (op.mode === 'reflect' || op.mode === 'edge') {
        for (let i = 0; i < y.length; i++) {
          const src = unflat(i, os).map((v, d) => {
            const j = v - op.begins[d];
            const n = xs[d];
            if (op.mode === 'edge') return Math.min(n - 1, Math.max(0, j));
            return j < 0 ? -j : j >= n ? 2 * n - 2 - j : j;
          });
          y[i] = x[flat(src, xs)];
        }
        return y;
      }
      y.fill(op.value);
      for (let i = 0; i < x.length; i++)
        y[
          flat(
            unflat(i, xs).map((v, d) => v + op.begins[d]),
            os,
          )
        ] = x[i];
      return y;
    }
    case 'transpose':
      for (let i = 0; i < y.length; i++) {
        const idx = unflat(i, os);
        const src = new Array<number>(xs.length);
        op.perm.forEach((p, d) => (src[p] = idx[d]));
        y[i] = x[flat(src, xs)];
      }
      return y;
    case 'reducemean': {
      const kept = xs.map((n, d) => (op.axes.includes(d) ? 1 : n));
      const count = x.length / y.length;
      for (let i = 0; i < x.length; i++) {
        const idx = unflat(i, xs).map((v, d) => (op.axes.includes(d) ? 0 : v));
        y[flat(idx, kept)] += x[i] / count;
      }
      return y;
    }
    case 'softmax':
    case 'logsoftmax': {
      const last = os[os.length - 1];
      for (let s = 0; s < x.length; s += last) {
        const row = Array.from(x.subarray(s, s + last));
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        row.forEach((v, i) => (y[s + i] = op.op === 'softmax' ? Math.exp(v - lse) : v - lse));
      }
      return y;
    }
    case 'reshape':
      return x;
    case 'matmul': {
      const b = env.get(op.other)!;
      const [m, k] = xs;
      const n = os[1];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) y[i * n + j] += x[i * k + t] * b[t * n + j];
      return y;
    }
    case 'relu':
      return map((v) => Math.max(0, v));
    case 'leakyrelu':
      return map((v) => (v >= 0 ? v : op.alpha * v));
    case 'elu':
      return map((v) => (v >= 0 ? v : op.alpha * Math.expm1(v)));
    case 'selu':
      return map((v) => op.gamma * (v > 0 ? v : op.alpha * Math.expm1(v)));
    case 'sigmoid':
      return map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh':
      return map(Math.tanh);
    case 'softplus':
      return map((v) => Math.log1p(Math.exp(v)));
    case 'neg':
      return map((v) => -v);
    case 'clip':
      return map((v) => Math.min(op.max, Math.max(op.min, v)));
  }
}
