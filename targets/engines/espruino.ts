// A stand-in for Espruino's native helpers, for desktop engines (pass it as the harness's
// `globals`). Espruino's E.convolve and E.sum are C functions (src/jswrap_espruino.c in
// github.com/espruino/Espruino) that cannot run here; this ES5 source follows their
// documented semantics exactly, so the runtime's feature-detected native path runs and
// is checked on the desktop. It measures nothing about Espruino's speed.
//
// Espruino's reference:
// - E.convolve(arr1, arr2, offset): "Convolve arr1 with arr2. This is equivalent to
//   `v=0;for (i in arr1) v+=arr1[i] * arr2[(i+offset) % arr2.length]`". The C code walks
//   arr1 in full, starts arr2's iterator `offset` steps in (offset taken modulo arr2's
//   length, made non-negative) and wraps it at arr2's end; it sums in a double.
// - E.sum(arr): "Sum the contents of the given Array, String or ArrayBuffer and return
//   the result" (a double accumulator).
// Each call is counted in `__moteNativeCalls`, which the harness reports as
// EngineRun.nativeCalls.

export const ESPRUINO_NATIVES_SOURCE = `
var __moteNativeCalls = { 'E.convolve': 0, 'E.sum': 0 };
var E = {
  convolve: function (arr1, arr2, offset) {
    __moteNativeCalls['E.convolve']++;
    var l = arr2.length, v = 0, i;
    offset = offset % l;
    if (offset < 0) offset += l;
    for (i = 0; i < arr1.length; i++) v += arr1[i] * arr2[(i + offset) % l];
    return v;
  },
  sum: function (arr) {
    __moteNativeCalls['E.sum']++;
    var v = 0, i;
    for (i = 0; i < arr.length; i++) v += arr[i];
    return v;
  }
};
`;
