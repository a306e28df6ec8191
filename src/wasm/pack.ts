// Weight layouts the WebAssembly kernels read (src/wasm/assembly), built once at load
// from decoded weights. Pure functions over typed arrays, so they are tested directly.
import type { ConvShape } from '../runtime/conv.js';

/** Outputs per group in the dense layouts (four 4-lane vectors). */
export const GROUP = 16;

export const roundUp = (n: number, k: number): number => Math.ceil(n / k) * k;

/**
 * Float dense weights W [outN, inN] (row-major) in groups of 16 outputs: group g holds,
 * for each input i, W[16g .. 16g+16][i] side by side; missing outputs are 0.
 */
export function packDenseF32(w: Float32Array, outN: number, inN: number): Float32Array {
  const groups = Math.ceil(outN / GROUP);
  const packed = new Float32Array(groups * inN * GROUP);
  for (let o = 0; o < outN; o++) {
    const base = Math.floor(o / GROUP) * inN * GROUP + (o % GROUP);
    for (let i = 0; i < inN; i++) packed[base + i * GROUP] = w[o * inN + i];
  }
  return packed;
}

/** int8 dense weights in the same group-of-16 layout, one byte each. */
export function packDenseI8(q: Int8Array, outN: number, inN: number): Int8Array {
  const groups = Math.ceil(outN / GROUP);
  const packed = new Int8Array(groups * inN * GROUP);
  for (let o = 0; o < outN; o++) {
    const base = Math.floor(o / GROUP) * inN * GROUP + (o % GROUP);
    for (let i = 0; i < inN; i++) packed[base + i * GROUP] = q[o * inN + i];
  }
  return packed;
}

/** `values` (one, or one per output) repeated or copied into a vector padded to `n`. */
export function padded(values: ArrayLike<number> | null, count: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (values) for (let o = 0; o < count; o++) out[o] = values.length === 1 ? values[0] : values[o];
  return out;
}

/** Compressed rows of the non-zero weights: row starts, u16 columns, f32 values. */
export interface Csr {
  rowStart: Int32Array;
  cols: Uint16Array;
  vals: Float32Array;
}

export function packCsr(w: Float32Array, outN: number, inN: number): Csr {
  if (inN > 0x10000) throw new Error(`CSR columns are u16: ${inN} inputs is too many`);
  let nnz = 0;
  for (let k = 0; k < outN * inN; k++) if (w[k] !== 0) nnz++;
  const rowStart = new Int32Array(outN + 1);
  const cols = new Uint16Array(nnz);
  const vals = new Float32Array(nnz);
  let e = 0;
  for (let o = 0; o < outN; o++) {
    rowStart[o] = e;
    for (let i = 0; i < inN; i++) {
      const v = w[o * inN + i];
      if (v !== 0) {
        cols[e] = i;
        vals[e++] = v;
      }
    }
  }
  rowStart[outN] = e;
  return { rowStart, cols, vals };
}

/**
 * Conv weights [oc, kh, kw, c] (one group) as [kh][kw][c][ocp], ocp = oc rounded up
 * to 4: for one tap and one input channel, all output channels side by side.
 */
export function packConv(w: Float32Array, oc: number, kh: number, kw: number, c: number): Float32Array {
  const ocp = roundUp(oc, 4);
  const packed = new Float32Array(kh * kw * c * ocp);
  for (let o = 0; o < oc; o++)
    for (let t = 0; t < kh * kw; t++)
      for (let i = 0; i < c; i++) packed[(t * c + i) * ocp + o] = w[(o * kh * kw + t) * c + i];
  return packed;
}

/**
 * int8 conv weights [oc, kh, kw, c] (one group, values minus their zero point, so
 * within ±255) as i16 pairs [kh][kw][c/2][ocp][2] for i32x4.dot_i16x8_s: inputs 2i and
 * 2i+1 of one output channel side by side; an odd c's last pair ends in a 0.
 */
export function packConvPairs(
  w: ArrayLike<number>,
  oc: number,
  kh: number,
  kw: number,
  c: number,
  ocp = roundUp(oc, 4),
): Int16Array {
  const pairs = Math.ceil(c / 2);
  const packed = new Int16Array(kh * kw * pairs * ocp * 2);
  for (let o = 0; o < oc; o++)
    for (let t = 0; t < kh * kw; t++)
      for (let i = 0; i < c; i++)
        packed[((t * pairs + (i >> 1)) * ocp + o) * 2 + (i & 1)] = w[(o * kh * kw + t) * c + i];
  return packed;
}

/** Depthwise weights [c, kh, kw, 1] (multiplier 1) as [kh][kw][cp], cp = c rounded up to `multiple`. */
export function packDepthwise(
  w: Float32Array,
  c: number,
  kh: number,
  kw: number,
  multiple = 4,
): Float32Array {
  const cp = roundUp(c, multiple);
  const packed = new Float32Array(kh * kw * cp);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < kh * kw; t++) packed[t * cp + ch] = w[ch * kh * kw + t];
  return packed;
}

/** Where a conv's planar kernel (src/wasm/assembly/conv-planar.ts) finds its inputs. */
export interface PlaneGeometry {
  /** Column phases (the horizontal stride), rows per plane, columns per phase. */
  phases: number;
  rows: number;
  cols: number;
  /** Plane floats from one output row to the next. */
  rowStep: number;
  /** Floats in all planes. */
  floats: number;
  /** Whether some plane cells are pads (zeroed before each copy). */
  padded: boolean;
}

/** The planes a conv of shape `c` reads: every window inside them, pads included. */
export function planeGeometry(c: ConvShape): PlaneGeometry {
  const phases = c.sw;
  const rows = Math.max(c.h + c.pt, (c.oh - 1) * c.sh + (c.kh - 1) * c.dh + 1);
  const width = Math.max(c.w + c.pl, (c.ow - 1) * c.sw + (c.kw - 1) * c.dw + 1);
  const cols = Math.ceil(width / phases);
  return {
    phases,
    rows,
    cols,
    rowStep: c.sh * phases * cols,
    floats: c.c * rows * phases * cols,
    padded: c.pt > 0 || c.pl > 0 || rows > c.h || phases * cols > c.w,
  };
}

/** Plane offset of the input that kernel cell (y, x) of input channel `channel` reads for output (0, 0). */
function planeOffset(c: ConvShape, g: PlaneGeometry, channel: number, y: number, x: number): number {
  const dx = x * c.dw;
  return ((channel * g.rows + y * c.dh) * g.phases + (dx % g.phases)) * g.cols + Math.floor(dx / g.phases);
}

/**
 * Float conv weights [oc, kh, kw, icg] (any grouping) as taps per output channel: each
 * non-zero weight with the plane offset (in elements) of its input for output (0, 0).
 * Taps go in plane order, so a channel's loads walk forward through memory.
 */
export function packConvTaps(
  w: Float32Array,
  c: ConvShape,
  g: PlaneGeometry,
): { rowStart: Int32Array; taps: Int32Array; vals: Float32Array } {
  let nnz = 0;
  for (let k = 0; k < w.length; k++) if (w[k] !== 0) nnz++;
  const rowStart = new Int32Array(c.oc + 1);
  const taps = new Int32Array(nnz);
  const vals = new Float32Array(nnz);
  let e = 0;
  for (let o = 0; o < c.oc; o++) {
    rowStart[o] = e;
    const first = Math.floor(o / c.ocg) * c.icg;
    for (let i = 0; i < c.icg; i++)
      for (let y = 0; y < c.kh; y++)
        for (let x = 0; x < c.kw; x++) {
          const v = w[((o * c.kh + y) * c.kw + x) * c.icg + i];
          if (v === 0) continue;
          taps[e] = planeOffset(c, g, first + i, y, x);
          vals[e++] = v;
        }
  }
  rowStart[c.oc] = e;
  return { rowStart, taps, vals };
}

/**
 * int8 conv weights (minus their zero point) as the int8 planar kernel's taps: pairs of
 * kernel columns kx, kx+1 (i16 each, packed in an i32) at the plane offset of kx, whose
 * cell holds the inputs of both columns. Dilated kernels pair each column with a 0.
 */
export function packConvTapPairs(
  w: ArrayLike<number>,
  c: ConvShape,
  g: PlaneGeometry,
): { rowStart: Int32Array; taps: Int32Array; vals: Int32Array } {
  const step = c.dw === 1 ? 2 : 1;
  const taps: number[] = [];
  const vals: number[] = [];
  const rowStart = new Int32Array(c.oc + 1);
  const weight = (o: number, i: number, y: number, x: number): number =>
    x < c.kw ? w[((o * c.kh + y) * c.kw + x) * c.icg + i] : 0;
  for (let o = 0; o < c.oc; o++) {
    rowStart[o] = taps.length;
    const first = Math.floor(o / c.ocg) * c.icg;
    for (let i = 0; i < c.icg; i++)
      for (let y = 0; y < c.kh; y++)
        for (let x = 0; x < c.kw; x += step) {
          const w0 = weight(o, i, y, x);
          const w1 = step === 2 ? weight(o, i, y, x + 1) : 0;
          if (w0 === 0 && w1 === 0) continue;
          taps.push(planeOffset(c, g, first + i, y, x));
          vals.push((w0 & 0xffff) | (w1 << 16));
        }
  }
  rowStart[c.oc] = taps.length;
  return { rowStart, taps: Int32Array.from(taps), vals: Int32Array.from(vals) };
}

/** Bytes per 4 output channels in the requantisation table (src/wasm/assembly/requant.ts). */
export const REQUANT_RECORD = 128;

/**
 * The requantisation table of `oc` output channels (padded to whole records): per
 * channel, for fixed point, 2^max(shift, 0), the Q0.31 multiplier and the right shift
 * e = max(−shift, 0) as 2^(e−1), a negative-rounding mask and 2^(32−e); for float32,
 * the scale. `mult` holds (multiplier, shift) pairs and `fscale` scales, one or per
 * channel; records of channels from oc up to `padTo` stay zero.
 */
export function requantTable(
  oc: number,
  mult: ArrayLike<number>,
  fscale: ArrayLike<number> | null,
  padTo = oc,
): ArrayBuffer {
  const records = Math.ceil(Math.max(oc, padTo) / 4);
  const buf = new ArrayBuffer(records * REQUANT_RECORD);
  const i32 = new Int32Array(buf);
  const f32 = new Float32Array(buf);
  const i64 = new BigInt64Array(buf);
  for (let j = 0; j < oc; j++) {
    const r = (j >> 2) * REQUANT_RECORD;
    const l = j & 3;
    if (fscale) {
      f32[r / 4 + l] = fscale[fscale.length > 1 ? j : 0];
      continue;
    }
    const at = mult.length > 2 ? 2 * j : 0;
    const shift = mult[at + 1];
    const e = Math.max(-shift, 0);
    i32[r / 4 + l] = (2 ** Math.max(shift, 0)) | 0;
    i32[r / 4 + 4 + l] = mult[at];
    i64[r / 8 + 4 + l] = e > 0 ? 1n << BigInt(e - 1) : 0n;
    i64[r / 8 + 8 + l] = e > 0 ? -1n : 0n;
    i64[r / 8 + 12 + l] = 1n << BigInt(32 - e);
  }
  return buf;
}
