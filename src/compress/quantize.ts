// Post-training quantization to the format's affine int8 and binary encodings.
import type { BinaryEncoding, Int8Encoding } from '../ir/types.js';

/** Elements per slice along `axis` (the product of the later dimensions). */
function innerSize(shape: number[], axis: number): number {
  return shape.slice(axis + 1).reduce((a, b) => a * b, 1);
}

/**
 * Affine int8 with one scale and zero point per slice along `axis` (-1: per tensor).
 * Each range is widened to include 0 so that zero (pruned) weights stay exact.
 */
export function toInt8(data: Float32Array, shape: number[], axis = 0): Int8Encoding {
  const channels = axis < 0 ? 1 : shape[axis];
  const inner = axis < 0 ? data.length : innerSize(shape, axis);
  const min = new Float64Array(channels);
  const max = new Float64Array(channels);
  data.forEach((v, i) => {
    const c = Math.floor(i / inner) % channels;
    min[c] = Math.min(min[c], v);
    max[c] = Math.max(max[c], v);
  });
  const scale = new Float32Array(channels);
  const zeroPoint = new Int8Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = max[c] > min[c] ? (max[c] - min[c]) / 255 : 1;
    zeroPoint[c] = Math.max(-128, Math.min(127, Math.round(-128 - min[c] / scale[c])));
  }
  const values = new Int8Array(data.length);
  data.forEach((v, i) => {
    const c = Math.floor(i / inner) % channels;
    values[i] = Math.max(-128, Math.min(127, Math.round(v / scale[c]) + zeroPoint[c]));
  });
  return { kind: 'int8', axis, scale, zeroPoint, values };
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
