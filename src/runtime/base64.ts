// Base64 to bytes, for a model embedded in a bundle (mote bundle --embed) on engines that
// have no atob (JerryScript, Duktape, QuickJS) or no file store. ES5, no tables kept.
import { fail } from './errors.js';

var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Espruino's natives: atob, and a string's bytes as an ArrayBuffer (no JS per byte). */
declare var E: { toArrayBuffer?(s: string): ArrayBuffer } | undefined;
declare var atob: ((s: string) => string) | undefined;

export function fromBase64(s: string): Uint8Array {
  if (typeof E !== 'undefined' && E && E.toArrayBuffer && typeof atob === 'function')
    return new Uint8Array(E.toArrayBuffer(atob(s)));
  var n = s.length;
  while (n > 0 && s.charAt(n - 1) === '=') n--;
  var out = new Uint8Array((n * 3) >> 2);
  var acc = 0;
  var bits = 0;
  var o = 0;
  for (var i = 0; i < n; i++) {
    var v = ALPHABET.indexOf(s.charAt(i));
    if (v < 0) fail('embedded model', i, 'not base64');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}
