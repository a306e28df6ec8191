// Valid files with huge declared shapes: one window op (max or average pool, conv,
// depthwise conv), a dense or matmul op, or a global pool, whose sizes are drawn
// log-uniformly up to the format's limits. A sparse weight with three entries keeps the
// file a few hundred bytes however large the layer, so these are the small files that
// ask for unbounded work (issue 17: "a valid 152-byte .mote ... spins forever"). Every
// shape is consistent by construction (output sizes from the window formula), so the
// writer's validator and the reader's accept them and only the work bound can refuse.
import type { Encoding, Graph, Op, Tensor } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';

type Rand = () => number;

/** An integer in [1, max], log-uniform: small and huge sizes are equally likely. */
function size(rand: Rand, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(Math.exp(rand() * Math.log(max + 1)))));
}

/** Three non-zero weights (at positions 0, 2 and 5) among `n`: a few bytes whatever n is. */
function sparse(n: number): Encoding {
  if (n < 6) return { kind: 'float32', data: Float32Array.from({ length: n }, (_, i) => 0.5 - i / 8) };
  return {
    kind: 'sparse',
    gapBits: 2,
    gaps: Uint8Array.from([0, 1, 2]),
    gapCoding: 'fixed',
    values: { kind: 'float32', data: Float32Array.from([0.5, -0.25, 0.125]) },
  };
}

const U16 = 0xffff;
const U32 = 0xffffffff;

/** The window op's kernel, strides, dilations and pads for an input of h × w: valid by construction. */
function window(rand: Rand, h: number, w: number) {
  const axis = (n: number) => {
    const d = rand() < 0.7 ? 1 : size(rand, 64);
    // The dilated window must fit the input (plus pads).
    const k = size(rand, Math.min(U16, Math.floor((n - 1) / d) + 1));
    const e = (k - 1) * d + 1;
    const pad = () => (rand() < 0.5 ? 0 : Math.min(size(rand, e - 1 || 1), e - 1, n, U16));
    const pa = pad();
    const pb = pad();
    const s = rand() < 0.6 ? 1 : size(rand, U16);
    const o = Math.floor((n + pa + pb - e) / s) + 1;
    return { k, d, s, pa, pb, o };
  };
  const y = axis(h);
  const x = axis(w);
  return {
    kernel: [y.k, x.k] as [number, number],
    strides: [y.s, x.s] as [number, number],
    dilations: [y.d, x.d] as [number, number],
    pads: [y.pa, x.pa, y.pb, x.pb] as [number, number, number, number],
    out: [y.o, x.o],
  };
}

export const SHAPE_OPS = [
  'maxpool',
  'avgpool',
  'conv2d',
  'depthwise',
  'dense',
  'matmul',
  'globalavgpool',
] as const;

/** One generated graph with huge declared shapes, and a description of it. */
export function hugeShapes(rand: Rand): { graph: Graph; detail: string } {
  const kind = SHAPE_OPS[Math.floor(rand() * SHAPE_OPS.length)];
  const tensors: Tensor[] = [];
  let ops: Op[];
  let inputs: { name: string; shape: number[] }[];
  let outShape: number[];
  if (kind === 'dense') {
    const inN = size(rand, U32);
    const outN = size(rand, U32);
    inputs = [{ name: 'x', shape: [inN] }];
    outShape = [outN];
    tensors.push({ name: 'w', shape: [outN, inN], encoding: sparse(outN * inN) });
    ops = [{ op: 'dense', input: 'x', output: 'y', weight: 'w' }];
  } else if (kind === 'matmul') {
    const [m, k, n] = [size(rand, U32), size(rand, U32), size(rand, U32)];
    inputs = [
      { name: 'x', shape: [m, k] },
      { name: 'z', shape: [k, n] },
    ];
    outShape = [m, n];
    ops = [{ op: 'matmul', input: 'x', other: 'z', output: 'y' }];
  } else {
    const h = size(rand, U32);
    const w = size(rand, U32);
    const c = size(rand, kind === 'globalavgpool' ? U32 : 4096);
    inputs = [{ name: 'x', shape: [h, w, c] }];
    if (kind === 'globalavgpool') {
      outShape = [c];
      ops = [{ op: 'globalavgpool', input: 'x', output: 'y' }];
    } else {
      const win = window(rand, h, w);
      const depthwise = kind === 'depthwise';
      const oc = depthwise ? c : size(rand, 4096);
      outShape = [win.out[0], win.out[1], kind === 'conv2d' || depthwise ? oc : c];
      if (kind === 'maxpool' || kind === 'avgpool') {
        const { kernel, strides, pads, dilations } = win;
        ops = [{ op: kind, input: 'x', output: 'y', kernel, strides, pads, dilations }];
      } else {
        const icg = depthwise ? 1 : c;
        const shape = [oc, win.kernel[0], win.kernel[1], icg];
        tensors.push({ name: 'w', shape, encoding: sparse(shape.reduce((a, b) => a * b, 1)) });
        ops = [
          {
            op: 'conv2d',
            input: 'x',
            output: 'y',
            weight: 'w',
            strides: win.strides,
            pads: win.pads,
            dilations: win.dilations,
            groups: depthwise ? c : 1,
          },
        ];
      }
    }
  }
  const graph: Graph = {
    inputs,
    outputs: ['y'],
    values: [{ name: 'y', shape: outShape }],
    tensors,
    ops,
    metadata: { name: 'huge' },
  };
  const op = ops[0];
  const attrs =
    'kernel' in op
      ? ` kernel ${op.kernel.join('x')} strides ${op.strides.join(',')} dilations ${op.dilations.join(',')} pads ${op.pads.join(',')}`
      : 'strides' in op
        ? ` weight ${tensors[0].shape.join('x')} strides ${op.strides.join(',')} dilations ${op.dilations.join(',')} pads ${op.pads.join(',')}`
        : '';
  return {
    graph,
    detail: `${kind} ${inputs.map((i) => `[${i.shape.join(',')}]`).join(' ')} -> [${outShape.join(',')}]${attrs}`,
  };
}

/** The file of a generated graph (the writer validates it, as a producer would). */
export function hugeShapesFile(rand: Rand): { bytes: Uint8Array; detail: string } {
  const { graph, detail } = hugeShapes(rand);
  return { bytes: writeMote(graph), detail };
}
