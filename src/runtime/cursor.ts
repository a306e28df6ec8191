// A bounds-checked little-endian reader over a byte range. Every read checks the
// range first, so a truncated or lying file fails with the section and offset.
import { fail } from './errors.js';

export interface Cursor {
  bytes: Uint8Array;
  view: DataView;
  /** Absolute offset of the next byte to read. */
  pos: number;
  /** Absolute offset one past the last readable byte. */
  end: number;
  /** What is being read, for error messages (e.g. "section TENS"). */
  where: string;
}

export function cursor(bytes: Uint8Array, start: number, end: number, where: string): Cursor {
  if (start < 0 || end > bytes.length || start > end) fail(where, start, 'range ends past the file');
  return {
    bytes: bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    pos: start,
    end: end,
    where: where,
  };
}

/** Fails unless `n` more bytes are available; returns the offset of the first. */
export function need(c: Cursor, n: number, what: string): number {
  if (n < 0 || c.pos + n > c.end)
    fail(c.where, c.pos, what + ' needs ' + n + ' bytes, ' + (c.end - c.pos) + ' left');
  var at = c.pos;
  c.pos += n;
  return at;
}

export function u8(c: Cursor, what: string): number {
  return c.bytes[need(c, 1, what)];
}
export function i8(c: Cursor, what: string): number {
  return c.view.getInt8(need(c, 1, what));
}
export function u16(c: Cursor, what: string): number {
  return c.view.getUint16(need(c, 2, what), true);
}
export function i16(c: Cursor, what: string): number {
  return c.view.getInt16(need(c, 2, what), true);
}
export function u32(c: Cursor, what: string): number {
  return c.view.getUint32(need(c, 4, what), true);
}
export function f32(c: Cursor, what: string): number {
  return c.view.getFloat32(need(c, 4, what), true);
}

/**
 * `n` float32 values; a view into the file when aligned and the engine really makes it
 * there, else a copy. (Espruino stores a view's byteOffset in 16 bits and silently wraps
 * one past 64 KB, so the view's byteOffset is checked, not trusted.)
 */
export function f32s(c: Cursor, n: number, what: string): Float32Array {
  var at = need(c, n * 4, what);
  var abs = c.bytes.byteOffset + at;
  var out: Float32Array;
  if (abs % 4 === 0) {
    out = new Float32Array(c.bytes.buffer, abs, n);
    if (out.byteOffset === abs) return out;
  }
  out = new Float32Array(n);
  for (var i = 0; i < n; i++) out[i] = c.view.getFloat32(at + 4 * i, true);
  return out;
}

/** `n` int8 values: a view into the file, or a copy where the engine cannot view there (see f32s). */
export function i8s(c: Cursor, n: number, what: string): Int8Array {
  var at = need(c, n, what);
  var abs = c.bytes.byteOffset + at;
  var out = new Int8Array(c.bytes.buffer, abs, n);
  if (out.byteOffset === abs) return out;
  out = new Int8Array(n);
  for (var i = 0; i < n; i++) out[i] = c.bytes[at + i];
  return out;
}

/** `n` int32 values: a view into the file when aligned and the engine makes it there, else a copy. */
export function i32s(c: Cursor, n: number, what: string): Int32Array {
  var at = need(c, n * 4, what);
  var abs = c.bytes.byteOffset + at;
  var out: Int32Array;
  if (abs % 4 === 0) {
    out = new Int32Array(c.bytes.buffer, abs, n);
    if (out.byteOffset === abs) return out;
  }
  out = new Int32Array(n);
  for (var i = 0; i < n; i++) out[i] = c.view.getInt32(at + 4 * i, true);
  return out;
}

/** A u16-length-prefixed UTF-8 string. */
export function str(c: Cursor, what: string): string {
  var n = u16(c, what + ' length');
  var at = need(c, n, what);
  return utf8(c.bytes, at, at + n, c.where);
}

/** Decodes UTF-8 without TextDecoder (absent on ES5 engines); bad sequences fail. */
export function utf8(b: Uint8Array, start: number, end: number, where: string): string {
  var s = '';
  var i = start;
  while (i < end) {
    var x = b[i];
    var extra = x < 0x80 ? 0 : x >= 0xf0 && x < 0xf8 ? 3 : x >= 0xe0 ? 2 : x >= 0xc0 ? 1 : -1;
    if (extra < 0 || i + extra >= end) fail(where, i, 'invalid UTF-8');
    var cp = extra ? x & (0x3f >> extra) : x;
    for (var k = 1; k <= extra; k++) {
      var y = b[i + k];
      if ((y & 0xc0) !== 0x80) fail(where, i + k, 'invalid UTF-8');
      cp = (cp << 6) | (y & 0x3f);
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else s += String.fromCharCode(cp);
    i += extra + 1;
  }
  return s;
}
