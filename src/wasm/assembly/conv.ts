// Convolution and pooling over channels-last activations ([H, W, C], as the runtime's
// src/runtime/conv.ts), SIMD across channels: 4 channels per v128 lane group.
//
// Shape parameters come as an i32 block the host writes once at load (see P_* below).
// Outputs are written 4 channels at a time: a pixel's last group may spill into the
// next pixel's first channels, which that pixel then overwrites (pixels go in order);
// the last pixel spills into the padding every host buffer has.

import { param } from './params';

// Offsets (in i32s) into the parameter block.
const P_H = 0;
const P_W = 1;
const P_C = 2;
const P_OH = 3;
const P_OW = 4;
const P_OC = 5;
const P_KH = 6;
const P_KW = 7;
const P_SH = 8;
const P_SW = 9;
const P_PT = 10;
const P_PL = 11;
const P_DH = 12;
const P_DW = 13;
/** Output channels padded to a multiple of 4 (the packed weights' row length). */
const P_OCP = 14;
/** f32 clip bounds (conv), or count_include_pad and bottom/right pads (avg pool). */
const P_LO = 15;
const P_HI = 16;
const P_PB = 17;
const P_PR = 18;

/**
 * Full convolution (one group). Weights packed as [kH][kW][C][OCP]: for one tap and one
 * input channel, every output channel's weight is contiguous.
 */
export function conv2d(x: usize, w: usize, b: usize, out: usize, p: usize): void {
  const h = param(p, P_H),
    wd = param(p, P_W),
    c = param(p, P_C);
  const oh = param(p, P_OH),
    ow = param(p, P_OW),
    oc = param(p, P_OC);
  const kh = param(p, P_KH),
    kw = param(p, P_KW),
    sh = param(p, P_SH),
    sw = param(p, P_SW);
  const pt = param(p, P_PT),
    pl = param(p, P_PL),
    dh = param(p, P_DH),
    dw = param(p, P_DW);
  const ocp = param(p, P_OCP);
  const lo = load<f32>(p + ((<usize>P_LO) << 2)),
    hi = load<f32>(p + ((<usize>P_HI) << 2));
  const tapStride = (<usize>(c * ocp)) << 2;
  const icStride = (<usize>ocp) << 2;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + ((<usize>((oy * ow + ox) * oc)) << 2);
      let cb = 0;
      // 16 output channels at a time: one input value feeds four vectors (as dense does).
      if (ASC_FEATURE_SIMD) {
        const vlo = f32x4.splat(lo);
        const vhi = f32x4.splat(hi);
        for (; cb + 16 <= ocp; cb += 16) {
          const bp = b + ((<usize>cb) << 2);
          let a0 = v128.load(bp);
          let a1 = v128.load(bp, 16);
          let a2 = v128.load(bp, 32);
          let a3 = v128.load(bp, 48);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + ((<usize>((iy * wd + ix) * c)) << 2);
              let wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 2);
              for (let ic = 0; ic < c; ic++) {
                const xs = v128.load32_splat(xp + ((<usize>ic) << 2));
                a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(wp)));
                a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(wp, 16)));
                a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(wp, 32)));
                a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(wp, 48)));
                wp += icStride;
              }
            }
          }
          const op = o + ((<usize>cb) << 2);
          v128.store(op, f32x4.min(f32x4.max(a0, vlo), vhi));
          v128.store(op, f32x4.min(f32x4.max(a1, vlo), vhi), 16);
          v128.store(op, f32x4.min(f32x4.max(a2, vlo), vhi), 32);
          v128.store(op, f32x4.min(f32x4.max(a3, vlo), vhi), 48);
        }
      }
      for (; cb < ocp; cb += 4) {
        if (ASC_FEATURE_SIMD) {
          let a = v128.load(b + ((<usize>cb) << 2));
          let a2 = f32x4.splat(0);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xp = x + ((<usize>((iy * wd + ix) * c)) << 2);
              let wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>cb) << 2);
              let ic = 0;
              for (; ic + 1 < c; ic += 2) {
                a = f32x4.add(a, f32x4.mul(v128.load32_splat(xp + ((<usize>ic) << 2)), v128.load(wp)));
                a2 = f32x4.add(
                  a2,
                  f32x4.mul(v128.load32_splat(xp + ((<usize>ic) << 2), 4), v128.load(wp + icStride)),
                );
                wp += icStride << 1;
              }
              if (ic < c)
                a = f32x4.add(a, f32x4.mul(v128.load32_splat(xp + ((<usize>ic) << 2)), v128.load(wp)));
            }
          }
          a = f32x4.add(a, a2);
          v128.store(o + ((<usize>cb) << 2), f32x4.min(f32x4.max(a, f32x4.splat(lo)), f32x4.splat(hi)));
        } else {
          for (let j = cb; j < cb + 4; j++) {
            let acc = load<f32>(b + ((<usize>j) << 2));
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = x0 + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                const xp = x + ((<usize>((iy * wd + ix) * c)) << 2);
                const wp = w + <usize>(ky * kw + kx) * tapStride + ((<usize>j) << 2);
                for (let ic = 0; ic < c; ic++)
                  acc += load<f32>(xp + ((<usize>ic) << 2)) * load<f32>(wp + <usize>ic * icStride);
              }
            }
            store<f32>(o + ((<usize>j) << 2), acc < lo ? lo : acc > hi ? hi : acc);
          }
        }
      }
    }
  }
}

/**
 * Depthwise convolution with depth multiplier 1 (output channel k reads input channel
 * k). Weights packed as [kH][kW][OCP]; input and output share the channel index, so
 * 4 channels load as one v128 from the input too.
 */
export function depthwise(x: usize, w: usize, b: usize, out: usize, p: usize): void {
  const h = param(p, P_H),
    wd = param(p, P_W),
    c = param(p, P_C);
  const oh = param(p, P_OH),
    ow = param(p, P_OW);
  const kh = param(p, P_KH),
    kw = param(p, P_KW),
    sh = param(p, P_SH),
    sw = param(p, P_SW);
  const pt = param(p, P_PT),
    pl = param(p, P_PL),
    dh = param(p, P_DH),
    dw = param(p, P_DW);
  const ocp = param(p, P_OCP);
  const lo = load<f32>(p + ((<usize>P_LO) << 2)),
    hi = load<f32>(p + ((<usize>P_HI) << 2));
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      const o = out + ((<usize>((oy * ow + ox) * c)) << 2);
      for (let cb = 0; cb < ocp; cb += 4) {
        if (ASC_FEATURE_SIMD) {
          let a = v128.load(b + ((<usize>cb) << 2));
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xv = v128.load(x + ((<usize>((iy * wd + ix) * c + cb)) << 2));
              const wv = v128.load(w + ((<usize>((ky * kw + kx) * ocp + cb)) << 2));
              a = f32x4.add(a, f32x4.mul(xv, wv));
            }
          }
          v128.store(o + ((<usize>cb) << 2), f32x4.min(f32x4.max(a, f32x4.splat(lo)), f32x4.splat(hi)));
        } else {
          for (let j = cb; j < cb + 4; j++) {
            let acc = load<f32>(b + ((<usize>j) << 2));
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = x0 + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                acc +=
                  load<f32>(x + ((<usize>((iy * wd + ix) * c + j)) << 2)) *
                  load<f32>(w + ((<usize>((ky * kw + kx) * ocp + j)) << 2));
              }
            }
            store<f32>(o + ((<usize>j) << 2), acc < lo ? lo : acc > hi ? hi : acc);
          }
        }
      }
    }
  }
}

/**
 * Max (avg = 0) or average (avg = 1) pooling. Pads never join a max; an average
 * divides by the window's cells inside the input, or inside the padded input when
 * count_include_pad (P_LO, as an i32) is 1, as the runtime's pool2d does.
 */
export function pool2d(x: usize, out: usize, p: usize, avg: i32): void {
  const h = param(p, P_H),
    wd = param(p, P_W),
    c = param(p, P_C);
  const oh = param(p, P_OH),
    ow = param(p, P_OW);
  const kh = param(p, P_KH),
    kw = param(p, P_KW),
    sh = param(p, P_SH),
    sw = param(p, P_SW);
  const pt = param(p, P_PT),
    pl = param(p, P_PL),
    dh = param(p, P_DH),
    dw = param(p, P_DW);
  const ocp = param(p, P_OCP),
    includePad = param(p, P_LO),
    pb = param(p, P_PB),
    pr = param(p, P_PR);
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sh - pt;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sw - pl;
      let n = 0;
      let padded = 0;
      for (let ky = 0; ky < kh; ky++) {
        const iy = y0 + ky * dh;
        for (let kx = 0; kx < kw; kx++) {
          const ix = x0 + kx * dw;
          if (iy >= -pt && iy < h + pb && ix >= -pl && ix < wd + pr) padded++;
          if (iy >= 0 && iy < h && ix >= 0 && ix < wd) n++;
        }
      }
      const div: f32 = <f32>(includePad ? padded : n);
      const o = out + ((<usize>((oy * ow + ox) * c)) << 2);
      for (let cb = 0; cb < ocp; cb += 4) {
        if (ASC_FEATURE_SIMD) {
          let a = avg ? f32x4.splat(0) : f32x4.splat(-Infinity);
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const xv = v128.load(x + ((<usize>((iy * wd + ix) * c + cb)) << 2));
              a = avg ? f32x4.add(a, xv) : f32x4.max(a, xv);
            }
          }
          if (avg) a = f32x4.div(a, f32x4.splat(div));
          v128.store(o + ((<usize>cb) << 2), a);
        } else {
          for (let j = cb; j < cb + 4; j++) {
            let acc: f32 = avg ? 0 : -Infinity;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = x0 + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                const v = load<f32>(x + ((<usize>((iy * wd + ix) * c + j)) << 2));
                if (avg) acc += v;
                else if (v > acc || v != v) acc = v;
              }
            }
            store<f32>(o + ((<usize>j) << 2), avg ? acc / div : acc);
          }
        }
      }
    }
  }
}
