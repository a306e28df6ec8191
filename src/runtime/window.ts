// The sliding-window shape rule that conv2d and the pools share.
import { dims, OpShapeInfo } from './ops.js';

/**
 * Checks a [H,W,C] → [H',W',C'] window op: kernel kh x kw, strides, pads [t,l,b,r],
 * dilations; `perOut` is the work per output element and kernel tap (input channels per
 * group for a conv, 1 for a pool), giving the MACs.
 */
export function checkWindow(
  x: number[],
  out: number[],
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  pads: number[],
  dh: number,
  dw: number,
  perOut: number,
): OpShapeInfo | string {
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
    return 'kernel, strides and dilations must be at least 1';
  var eh = (kh - 1) * dh + 1;
  var ew = (kw - 1) * dw + 1;
  // Pads stay smaller than the window and the input, so no window is all padding and
  // a pool's work stays bounded by its input.
  if (pads[0] >= eh || pads[2] >= eh || pads[1] >= ew || pads[3] >= ew)
    return 'pads must be smaller than the kernel window';
  if (pads[0] > x[0] || pads[2] > x[0] || pads[1] > x[1] || pads[3] > x[1])
    return 'pads must not exceed the input';
  var ph = x[0] + pads[0] + pads[2];
  var pw = x[1] + pads[1] + pads[3];
  if (ph < eh || pw < ew) return 'kernel window is larger than the padded input';
  var oh = Math.floor((ph - eh) / sh) + 1;
  var ow = Math.floor((pw - ew) / sw) + 1;
  if (out[0] !== oh || out[1] !== ow)
    return 'output is ' + dims(out) + ', the window gives [' + oh + ',' + ow + ',' + out[2] + ']';
  return { macs: oh * ow * out[2] * kh * kw * perOut, strides: [] };
}
