// TFLite's integer arithmetic (tensorflow/lite/kernels/internal/common.h and gemmlowp's
// fixedpoint.h), reproduced bit for bit. JS has no int64: the one 64-bit product,
// a × b in the doubling high multiply, is split so every intermediate stays exact in a
// double. ES5: no Math.imul, Math.clz32 or Math.fround.

var TWO31 = 2147483648;
var INT_MIN = -2147483648;
var INT_MAX = 2147483647;

/** gemmlowp SaturatingRoundingDoublingHighMul: (a·b·2 + round) >> 32, for int32 a, b. */
export function srdhm(a: number, b: number): number {
  if (a === INT_MIN && b === INT_MIN) return INT_MAX;
  // a·b = a·bh·2^16 + a·bl, each part exact (under 2^47); nudge as TFLite: ±2^30.
  var bl = b & 0xffff;
  var bh = (b - bl) / 65536;
  var p1 = a * bh;
  var p0 = a * bl + (a < 0 !== b < 0 && a !== 0 && b !== 0 ? 1 - (1 << 30) : 1 << 30);
  // total = p1·2^16 + p0 = q1·2^31 + s, with s exact; then divide by 2^31 truncating, as C does.
  var q1 = Math.floor(p1 / 32768);
  var s = (p1 - q1 * 32768) * 65536 + p0;
  var fs = Math.floor(s / TWO31);
  var fl = q1 + fs;
  return fl < 0 && s - fs * TWO31 !== 0 ? fl + 1 : fl;
}

/** gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero. */
export function rdbpot(x: number, e: number): number {
  var mask = e >= 31 ? INT_MAX : (1 << e) - 1;
  var rem = x & mask;
  var threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier(x, multiplier, shift). */
export function mbqm(x: number, mult: number, shift: number): number {
  return rdbpot(srdhm(shift > 0 ? x << shift : x, mult), shift > 0 ? 0 : -shift);
}

/**
 * TFLite QuantizeMultiplier: m = q·2^(shift−31) with q a Q0.31 in [2^30, 2^31).
 * Writes q and shift into out[at], out[at + 1].
 */
export function quantizeMultiplier(m: number, out: Int32Array, at: number): void {
  var shift = 0;
  var q = m;
  if (!(m > 0 && m < Infinity)) {
    out[at] = 0;
    out[at + 1] = 0;
    return;
  }
  // frexp, by exact halvings and doublings.
  while (q >= 1) {
    q /= 2;
    shift++;
  }
  while (q < 0.5) {
    q *= 2;
    shift--;
  }
  var fixed = Math.floor(q * TWO31 + 0.5);
  if (fixed === TWO31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  if (shift > 30) {
    shift = 30;
    fixed = INT_MAX;
  }
  out[at] = fixed;
  out[at + 1] = shift;
}

/** Saturating x·2^e for e > 0 (gemmlowp SaturatingRoundingMultiplyByPOT, positive exponent). */
export function satShl(x: number, e: number): number {
  var threshold = (1 << (31 - e)) - 1;
  if (x > threshold) return INT_MAX;
  if (x < -threshold) return INT_MIN;
  return x << e;
}

/** Leading zero bits of x as uint32. */
export function clz(x: number): number {
  var n = 0;
  x = x >>> 0;
  if (x === 0) return 32;
  while (x < TWO31) {
    x *= 2;
    n++;
  }
  return n;
}

/** gemmlowp exp on [-1/4, 0), Q0.31 in and out. */
function expQuarter(a: number): number {
  var x = (a + (1 << 28)) | 0;
  var x2 = srdhm(x, x);
  var x3 = srdhm(x2, x);
  var x4 = srdhm(x2, x2);
  var x4over4 = rdbpot(x4, 2);
  var poly = rdbpot((srdhm((x4over4 + x3) | 0, 715827883) + x2) | 0, 1);
  return (1895147668 + srdhm(1895147668, (x + poly) | 0)) | 0;
}

var EXP_MULTIPLIERS = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];

/** gemmlowp exp_on_negative_values: a is Q5.26 (≤ 0), the result Q0.31. */
export function expNeg(a: number): number {
  var quarter = 1 << 24;
  var aModMinusQuarter = ((a & (quarter - 1)) - quarter) | 0;
  var result = expQuarter(satShl(aModMinusQuarter, 5));
  var remainder = (aModMinusQuarter - a) | 0;
  for (var k = 0; k < EXP_MULTIPLIERS.length; k++) {
    // Bits 24..30 of the remainder select the factors exp(-1/4), exp(-1/2), ... exp(-16).
    if (remainder & (1 << (24 + k))) result = srdhm(result, EXP_MULTIPLIERS[k]);
  }
  return a === 0 ? INT_MAX : result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in, Q0.31 out (Newton–Raphson). */
export function reciprocalOnePlus(a: number): number {
  // RoundingHalfSum(a, One) with One = INT_MAX, truncating like C.
  var sum = a + INT_MAX;
  var half = sum >= 0 ? Math.floor((sum + 1) / 2) : -Math.floor((-sum + 1) / 2);
  var x = (1515870810 + srdhm(half, -1010580540)) | 0;
  for (var i = 0; i < 3; i++) {
    var oneMinus = ((1 << 29) - srdhm(half, x)) | 0;
    x = (x + satShl(srdhm(x, oneMinus), 2)) | 0;
  }
  return satShl(x, 1);
}
