// Post-training quantization to the format's affine int8 and binary encodings.
import type { BinaryEncoding, CodebookEncoding, Int8Encoding, StreamCoding } from '../ir/types.js';

/** Elements per slice along `axis` (the product of the later dimensions). */
function innerSize(shape: number[], axis: number): number {
  return shape.slice(axis + 1).reduce((a, b) => a * b, 1);
}

interface Affine {
  scale: Float32Array;
  zeroPoint: Int8Array;
  q: Int8Array;
}

/**
 * Affine quantisation to the integers qmin..qmax, with one scale and zero point per slice
 * along `axis` (-1: per tensor). Each range is widened to include 0 so that zero (pruned)
 * weights stay exact.
 */
function affine(data: Float32Array, shape: number[], axis: number, qmin: number, qmax: number): Affine {
  const channels = axis < 0 ? 1 : shape[axis];
  const inner = axis < 0 ? data.length : innerSize(shape, axis);
  const min = new Float64Array(channels);
  const max = new Float64Array(channels);
  data.forEach((v, i) => {
    const c = Math.floor(i / inner) % channels;
    min[c] = Math.min(min[c], v);
    max[c] = Math.max(max[c], v);
  });
  const clamp = (v: number): number => Math.max(qmin, Math.min(qmax, v));
  const scale = new Float32Array(channels);
  const zeroPoint = new Int8Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = max[c] > min[c] ? (max[c] - min[c]) / (qmax - qmin) : 1;
    zeroPoint[c] = clamp(Math.round(qmin - min[c] / scale[c]));
  }
  const q = new Int8Array(data.length);
  data.forEach((v, i) => {
    const c = Math.floor(i / inner) % channels;
    q[i] = clamp(Math.round(v / scale[c]) + zeroPoint[c]);
  });
  return { scale, zeroPoint, q };
}

/** Affine int8 (−128..127) per slice along `axis` (-1: per tensor). */
export function toInt8(data: Float32Array, shape: number[], axis = 0): Int8Encoding {
  const { scale, zeroPoint, q } = affine(data, shape, axis, -128, 127);
  return { kind: 'int8', axis, scale, zeroPoint, values: q };
}

/** Binary weights: the sign of each weight times its row's mean magnitude (XNOR-Net's α). */
export function toBinary(data: Float32Array, shape: number[]): BinaryEncoding {
  const rows = shape.length ? shape[0] : 1;
  const perRow = data.length / rows;
  const scale = new Float32Array(rows);
  const signs = new Uint8Array(data.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = r * perRow; i < (r + 1) * perRow; i++) {
      sum += Math.abs(data[i]);
      signs[i] = data[i] >= 0 ? 1 : 0;
    }
    scale[r] = sum / perRow;
  }
  return { kind: 'binary', scale, signs };
}

/**
 * Affine int4: 16 levels scale·(q − zeroPoint), q in −8..7, per tensor (axis −1) or per
 * slice along `axis`. The format has no 4-bit encoding: per tensor, the 16 levels become
 * a 16-entry codebook (4-bit indices, Huffman-coded when `coding` says so); per channel,
 * the values are stored as int8 restricted to 16 levels (int4 accuracy, int8 size).
 */
export function toInt4(
  data: Float32Array,
  shape: number[],
  axis = -1,
  coding: StreamCoding = 'huffman',
): CodebookEncoding | Int8Encoding {
  const { scale, zeroPoint, q } = affine(data, shape, axis, -8, 7);
  if (axis >= 0) return { kind: 'int8', axis, scale, zeroPoint, values: q };
  const codebook = Float32Array.from({ length: 16 }, (_, k) => scale[0] * (k - 8 - zeroPoint[0]));
  return { kind: 'codebook', codebook, indices: Uint8Array.from(q, (v) => v + 8), coding };
}
