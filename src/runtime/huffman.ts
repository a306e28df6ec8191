// Canonical Huffman decoding in the style of zlib's puff.c: per-length code counts and
// the symbols in canonical order, decoded one bit at a time. No trees, no big tables.
import { fail } from './errors.js';
import { readRun, symbolReader } from './symbols.js';

var MAXBITS = 15;

export interface HuffmanTable {
  /** count[len]: how many symbols have a code of `len` bits (len 0..15). */
  count: Uint16Array;
  /** The coded symbols in canonical order (by length, then by symbol). */
  symbol: Uint16Array;
  /**
   * For each 8-bit prefix whose code is at most 8 bits long: symbol << 4 | length, else 0.
   * Most weight codes are short, so most symbols decode with one lookup.
   */
  lut: Uint16Array;
  /** multiTable()'s, built at first use. */
  multi?: Uint32Array;
}

/**
 * For each 8-bit prefix: up to three symbols (each below 256) whose codes lie wholly inside
 * it, as s1 | s2 << 8 | s3 << 16 | count << 24 | bits used << 26; 0 where the first code is
 * longer than 8 bits. Three short codes then cost one lookup (readRun).
 */
export function multiTable(t: HuffmanTable): Uint32Array {
  if (t.multi) return t.multi;
  var lut = t.lut;
  var table = new Uint32Array(256);
  for (var p = 0; p < 256; p++) {
    var used = 0;
    var k = 0;
    var e = 0;
    while (k < 3) {
      // Zeros shifted in below the prefix: a code that fits in what is left reads the same.
      var x = lut[(p << used) & 255];
      if (!x || used + (x & 15) > 8 || x >> 4 > 255) break;
      e |= (x >> 4) << (8 * k);
      used += x & 15;
      k++;
    }
    if (k) table[p] = e + k * 0x1000000 + used * 0x4000000;
  }
  return (t.multi = table);
}

/** Reads n 4-bit code lengths (high nibble first) from bytes[start..end). */
export function unpackCodeLengths(
  bytes: Uint8Array,
  start: number,
  end: number,
  n: number,
  where: string,
): Uint8Array {
  var size = (n + 1) >> 1;
  if (start + size > end)
    fail(where, start, 'code lengths need ' + size + ' bytes, ' + (end - start) + ' left');
  var lengths = new Uint8Array(n);
  for (var s = 0; s < n; s++)
    lengths[s] = s & 1 ? bytes[start + (s >> 1)] & 15 : bytes[start + (s >> 1)] >> 4;
  return lengths;
}

/** Builds the decoding table; fails on an over-subscribed code or one with no symbols. */
export function huffmanTable(lengths: Uint8Array, where: string, offset: number): HuffmanTable {
  var n = lengths.length;
  var count = new Uint16Array(MAXBITS + 1);
  var offs = new Uint16Array(MAXBITS + 2);
  var s, len;
  for (s = 0; s < n; s++) {
    if (lengths[s] > MAXBITS)
      fail(where, offset, 'code length ' + lengths[s] + ' of symbol ' + s + ' exceeds 15');
    count[lengths[s]]++;
  }
  if (count[0] === n) fail(where, offset, 'no symbol has a code');
  var left = 1;
  for (len = 1; len <= MAXBITS; len++) {
    left = left * 2 - count[len];
    if (left < 0) fail(where, offset, 'code lengths are over-subscribed');
    offs[len + 1] = offs[len] + count[len];
  }
  var symbol = new Uint16Array(n - count[0]);
  for (s = 0; s < n; s++) if (lengths[s]) symbol[offs[lengths[s]]++] = s;
  var lut = new Uint16Array(256);
  var code = 0;
  var k = 0;
  for (len = 1; len <= 8; len++) {
    for (var j = 0; j < count[len]; j++, k++, code++) {
      for (var f = code << (8 - len); f < (code + 1) << (8 - len); f++) lut[f] = (symbol[k] << 4) | len;
    }
    code <<= 1;
  }
  return { count: count, symbol: symbol, lut: lut };
}

/**
 * Decodes `count` symbols from the MSB-first bit stream bytes[start..end) into
 * out[0..count). Returns the bytes consumed.
 */
export function huffmanDecode(
  table: HuffmanTable,
  bytes: Uint8Array,
  start: number,
  end: number,
  count: number,
  out: Uint8Array | Uint16Array,
  where: string,
): number {
  if (out.length < count) fail(where, start, count + ' symbols do not fit in ' + out.length);
  var r = symbolReader(bytes, start, end, table, 0, where);
  readRun(r, out, count, null);
  return r.pos - start;
}
