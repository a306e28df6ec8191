// Huffman-coded cluster indices decoded straight into fixed-width packed codes, several
// symbols per table lookup. This is the one-time decoding of a model's first load on a
// watch (device-form.ts), where every JS operation costs microseconds: a lookup that yields
// three or four codes already packed does a few operations per weight, where decoding one
// symbol at a time and then packing it did some thirty.
import { fail } from './errors.js';
import { HuffmanTable } from './huffman.js';
import { nextSymbol, readRun, SymbolReader } from './symbols.js';

/**
 * For each 8-bit prefix of the stream: the symbols whose codes lie wholly inside it,
 * packed `bits` wide (at most 24 bits in all), as codes << 8 | count << 4 | bits used;
 * 0 where the first code is longer than 8 bits or a symbol is not below `limit` (the
 * one-symbol path then decodes it, or fails naming it).
 */
export function packedTable(t: HuffmanTable, bits: number, limit: number): Uint32Array {
  var lut = t.lut;
  var table = new Uint32Array(256);
  var most = (24 / bits) | 0;
  if (most > 15) most = 15;
  for (var p = 0; p < 256; p++) {
    var used = 0;
    var n = 0;
    var codes = 0;
    while (n < most) {
      // Zeros shifted in below the prefix: a code that fits in what is left reads the same.
      var e = lut[(p << used) & 255];
      if (!e || used + (e & 15) > 8 || e >> 4 >= limit) break;
      codes = (codes << bits) | (e >> 4);
      used += e & 15;
      n++;
    }
    if (n) table[p] = codes * 256 + n * 16 + used;
  }
  return table;
}

/**
 * Decodes the next `n` symbols of `r` into out[0..] as `bits`-bit codes, most significant
 * first, the last byte padded with zeros. `table` is packedTable()'s, or null for a
 * fixed-width stream. A symbol not below `limit` is an error.
 */
export function readPacked(
  r: SymbolReader,
  table: Uint32Array | null,
  bits: number,
  limit: number,
  out: Uint8Array,
  n: number,
  scratch: Uint8Array,
): void {
  var acc = 0;
  var have = 0;
  var o = 0;
  var i = 0;
  var v: number;
  if (!table) {
    // Fixed width: one native-free pass to read, one to pack (rare: Huffman did not pay).
    readRun(r, scratch, n, null);
    for (; i < n; i++) {
      if (scratch[i] >= limit) fail(r.where, r.pos, 'index ' + scratch[i] + ' beyond codebook of ' + limit);
      acc = (acc << bits) | scratch[i];
      have += bits;
      if (have >= 8) {
        have -= 8;
        out[o++] = acc >> have;
        acc &= (1 << have) - 1;
      }
    }
  } else {
    var bytes = r.bytes;
    var pos = r.pos;
    var end = r.end;
    var buf = r.buf;
    var left = r.left;
    while (i < n) {
      while (left <= 16 && pos < end) {
        buf = ((buf << 8) | bytes[pos++]) & 0xffffff;
        left += 8;
      }
      var e = left >= 8 ? table[(buf >> (left - 8)) & 255] : 0;
      // At most `n - i` symbols: a row's last lookup may hold codes of the next row.
      if (e && ((e >> 4) & 15) <= n - i) {
        v = (e >> 4) & 15;
        left -= e & 15;
        // Fewer than 8 bits held plus at most 24: stays below 2^31.
        acc = (acc << (v * bits)) | (e >>> 8);
        have += v * bits;
        i += v;
      } else {
        r.pos = pos;
        r.buf = buf;
        r.left = left;
        v = nextSymbol(r);
        if (v >= limit) fail(r.where, r.pos, 'index ' + v + ' beyond codebook of ' + limit);
        pos = r.pos;
        buf = r.buf;
        left = r.left;
        acc = (acc << bits) | v;
        have += bits;
        i++;
      }
      while (have >= 8) {
        have -= 8;
        out[o++] = acc >> have;
        acc &= (1 << have) - 1;
      }
    }
    r.pos = pos;
    r.buf = buf;
    r.left = left;
  }
  if (have) out[o++] = acc << (8 - have);
  while (o < out.length) out[o++] = 0;
}
