// Constant tensors at import: row-major float64 data with their dims, and the few
// operations the importer folds on them (permute, broadcast arithmetic).

export interface Const {
  dims: number[];
  data: Float64Array;
  /** The ONNX element type it was stored as (TensorProto.DataType), when read from a file. */
  type?: number;
}

export function sizeOfDims(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let k = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    s[d] = k;
    k *= dims[d];
  }
  return s;
}

/** The tensor with its axes reordered: output axis d is input axis perm[d]. */
export function permute(c: Const, perm: readonly number[]): Const {
  const dims = perm.map((p) => c.dims[p]);
  const inStrides = stridesOf(c.dims);
  const out = new Float64Array(c.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    for (let d = 0; d < dims.length; d++) at += idx[d] * inStrides[perm[d]];
    out[i] = c.data[at];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dims, data: out };
}

/** numpy broadcast of two shapes, or null. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let d = 0; d < r; d++) {
    const x = a[d - (r - a.length)] ?? 1;
    const y = b[d - (r - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

/** f applied element-wise with numpy broadcasting. */
export function broadcastFold(a: Const, b: Const, f: (x: number, y: number) => number): Const {
  const dims = broadcastShape(a.dims, b.dims);
  if (!dims) throw new Error(`shapes [${a.dims}] and [${b.dims}] do not broadcast`);
  const pick = (c: Const) => {
    const st = stridesOf(c.dims);
    const lead = dims.length - c.dims.length;
    return dims.map((_, d) => (d < lead || c.dims[d - lead] === 1 ? 0 : st[d - lead]));
  };
  const sa = pick(a);
  const sb = pick(b);
  const out = new Float64Array(sizeOfDims(dims));
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < dims.length; d++) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    out[i] = f(a.data[ia], b.data[ib]);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return { dims, data: out };
}
