// A resumable reader of a symbol stream (fixed-width or canonical Huffman). Kernels
// pull weights one row at a time through it, so decoding needs no buffer of its own.
import { fail } from './errors.js';
import { HuffmanTable, multiTable } from './huffman.js';

export interface SymbolReader {
  bytes: Uint8Array;
  start: number;
  /** Next byte to load, one past the last readable byte. */
  pos: number;
  end: number;
  /** Bits loaded but not consumed: the low `left` bits of `buf`. */
  buf: number;
  left: number;
  /** Huffman table, or null for fixed width. */
  table: HuffmanTable | null;
  /** Longest code length in use (Huffman), or the symbol width (fixed). */
  bits: number;
  where: string;
}

export function symbolReader(
  bytes: Uint8Array,
  start: number,
  end: number,
  table: HuffmanTable | null,
  width: number,
  where: string,
): SymbolReader {
  var bits = width;
  if (table) {
    bits = 15;
    while (bits > 0 && !table.count[bits]) bits--;
  }
  return {
    bytes: bytes,
    start: start,
    pos: start,
    end: end,
    buf: 0,
    left: 0,
    table: table,
    bits: bits,
    where: where,
  };
}

/** Back to the first symbol (each inference re-reads the weights from the start). */
export function rewind(r: SymbolReader): void {
  r.pos = r.start;
  r.buf = 0;
  r.left = 0;
}

var one = new Uint16Array(1);

/** The next symbol; fails past the end of the stream or on a pattern that is no code. */
export function nextSymbol(r: SymbolReader): number {
  readRun(r, one, 1, null);
  return one[0];
}

/**
 * Decodes the next `n` symbols into out[0..n), each mapped through `map` when given
 * (a codebook: out gets map[symbol], and a symbol past the map is an error). The same
 * decoding as nextSymbol, with the reader's state in locals: this is the hot loop.
 */
export function readRun(
  r: SymbolReader,
  out: Float32Array | Uint8Array | Uint16Array,
  n: number,
  map: Float32Array | null,
): void {
  var bytes = r.bytes;
  var pos = r.pos;
  var end = r.end;
  var buf = r.buf;
  var left = r.left;
  var t = r.table;
  var lut = t ? t.lut : null;
  var multi = t ? multiTable(t) : null;
  var bits = r.bits;
  var limit = map ? map.length : 65536;
  var i: number;
  var v: number;
  if (!t && bits === 8 && !left) {
    // Byte-aligned width 8 (the installed form): one symbol per byte, read directly.
    if (pos + n > end) fail(r.where, end, 'stream ends inside a symbol');
    for (i = 0; i < n; i++) {
      v = bytes[pos++];
      if (v >= limit) fail(r.where, pos - 1, 'index ' + v + ' beyond codebook of ' + limit);
      out[i] = map ? map[v] : v;
    }
    r.pos = pos;
    return;
  }
  for (i = 0; i < n; i++) {
    // Keep at least 17 bits at hand (a code is at most 15) until the stream runs out.
    while (left <= 16 && pos < end) {
      buf = ((buf << 8) | bytes[pos++]) & 0xffffff;
      left += 8;
    }
    if (multi && left >= 8) {
      // Up to three short codes in one lookup (at most what is still wanted).
      var m3 = multi[(buf >> (left - 8)) & 255];
      var k = (m3 >> 24) & 3;
      if (k && k <= n - i) {
        left -= m3 >>> 26;
        for (; k > 0; k--, m3 >>= 8) {
          v = m3 & 255;
          if (v >= limit) fail(r.where, pos - 1, 'index ' + v + ' beyond codebook of ' + limit);
          out[i++] = map ? map[v] : v;
        }
        // The outer loop steps i once more.
        i--;
        continue;
      }
    }
    v = -1;
    var len = bits;
    if (!lut) {
      if (left >= bits) v = (buf >> (left - bits)) & ((1 << bits) - 1);
    } else {
      var e = lut[left >= 8 ? (buf >> (left - 8)) & 255 : (buf << (8 - left)) & 255];
      if (e) {
        v = e >> 4;
        len = e & 15;
      } else {
        // A code longer than 8 bits: puff.c's walk, comparing with each length's first code.
        var cnt = t!.count;
        var code = 0;
        var first = 0;
        var index = 0;
        for (len = 1; len <= bits && len <= left; len++) {
          code |= (buf >> (left - len)) & 1;
          if (code - first < cnt[len]) {
            v = t!.symbol[index + code - first];
            break;
          }
          index += cnt[len];
          first = (first + cnt[len]) << 1;
          code <<= 1;
        }
      }
    }
    if (len > left) fail(r.where, pos, 'stream ends inside a symbol');
    if (v < 0) fail(r.where, pos - 1, 'bit pattern is no code');
    if (v >= limit) fail(r.where, pos - 1, 'index ' + v + ' beyond codebook of ' + limit);
    left -= len;
    out[i] = map ? map[v] : v;
  }
  r.pos = pos;
  r.buf = buf;
  r.left = left;
}
