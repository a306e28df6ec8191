// A bounds-checked little-endian reader over a byte range. Every read checks the
// range first, so a truncated or lying file fails with the section and offset.
import { fail } from './errors.js';

export interface Cursor {
  bytes: Uint8Array;
  /** Absolute offset of the next byte to read. */
  pos: number;
  /** Absolute offset one past the last readable byte. */
  end: number;
  /** What is being read, for error messages (e.g. "section TENS"). */
  where: string;
}

/**
 * Set while a model is read from a Storage file (model.ts load by name): arrays are then
 * copied out of flash a block at a time, never viewed there, and float32 weight blobs
 * longer than `lazyFloats` values are left in flash to be read a row at a time.
 */
export var fromFlash: { block: (at: number, n: number) => ArrayBuffer; lazyFloats: number } | null = null;
export function readFromFlash(f: typeof fromFlash): void {
  fromFlash = f;
}

/**
 * Whether a typed-array view may start at byte `abs`: Espruino throws "byteOffset too
 * large" for a view, DataView or subarray at 65,536 or more (docs/FIRMWARE-COSTS.md).
 */
export function viewable(abs: number): boolean {
  return abs < 65536 || typeof E === 'undefined' || !E;
}
declare var E: unknown;

/** Whether the last f32s/i8s/i32s call returned a view into the file (no RAM of its own). */
export var viewed = false;

export function cursor(bytes: Uint8Array, start: number, end: number, where: string): Cursor {
  if (start < 0 || end > bytes.length || start > end) fail(where, start, 'range ends past the file');
  return {
    bytes: bytes,
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

// Scalars are assembled from bytes: on Espruino a DataView read at 64 KB or more throws.
export function u8(c: Cursor, what: string): number {
  return c.bytes[need(c, 1, what)];
}
export function i8(c: Cursor, what: string): number {
  return (u8(c, what) << 24) >> 24;
}
export function u16(c: Cursor, what: string): number {
  return le16(c.bytes, need(c, 2, what));
}
export function i16(c: Cursor, what: string): number {
  return (u16(c, what) << 16) >> 16;
}
export function u32(c: Cursor, what: string): number {
  return le32(c.bytes, need(c, 4, what));
}
var f32bits = new Float32Array(1);
var f32bytes = new Uint8Array(f32bits.buffer);
export function f32(c: Cursor, what: string): number {
  var at = need(c, 4, what);
  for (var i = 0; i < 4; i++) f32bytes[i] = c.bytes[at + i];
  return f32bits[0];
}

/** The little-endian u16 and u32 at b[at]. */
export function le16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
export function le32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/**
 * `n` values of a typed array type at byte `at` of the file: a view into the file where
 * the engine can make one there (aligned, and below Espruino's 64 KB view limit), else a
 * copy; from flash, always a copy read as one block.
 */
function array<T extends Float32Array | Int8Array | Int32Array>(
  c: Cursor,
  at: number,
  n: number,
  size: number,
  make: (b: ArrayBuffer, offset: number, length: number) => T,
): T {
  var abs = c.bytes.byteOffset + at;
  viewed = false;
  if (fromFlash) return make(fromFlash.block(at, n * size), 0, n);
  if (abs % size === 0 && viewable(abs)) {
    viewed = true;
    return make(c.bytes.buffer as ArrayBuffer, abs, n);
  }
  // Byte by byte: a subarray of the file past 64 KB would throw on Espruino.
  var copy = new Uint8Array(n * size);
  for (var i = 0; i < copy.length; i++) copy[i] = c.bytes[at + i];
  return make(copy.buffer as ArrayBuffer, 0, n);
}

/** `n` float32 values (see array()). */
export function f32s(c: Cursor, n: number, what: string): Float32Array {
  return array(c, need(c, n * 4, what), n, 4, function (b, o, l) {
    return new Float32Array(b, o, l);
  });
}

/** `n` int8 values (see array()). */
export function i8s(c: Cursor, n: number, what: string): Int8Array {
  return array(c, need(c, n, what), n, 1, function (b, o, l) {
    return new Int8Array(b, o, l);
  });
}

/** `n` int32 values (see array()). */
export function i32s(c: Cursor, n: number, what: string): Int32Array {
  return array(c, need(c, n * 4, what), n, 4, function (b, o, l) {
    return new Int32Array(b, o, l);
  });
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
