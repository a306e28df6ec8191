// The TENS section: one descriptor per constant tensor, and the header of each
// tensor's blob in DATA, parsed and bounds-checked at load so decoding cannot overrun.
import { fail } from './errors.js';
import {
  Cursor,
  cursor,
  f32s,
  fromFlash,
  i16,
  i32s,
  i8s,
  need,
  str,
  u16,
  u32,
  u8,
  viewed,
} from './cursor.js';
import { HuffmanTable, huffmanTable, unpackCodeLengths } from './huffman.js';
import { Sections } from './container.js';
import { checkTables } from './memory-check.js';
import { checkStored } from './finite.js';

export var KIND_FLOAT32 = 0;
export var KIND_INT8 = 1;
export var KIND_CODEBOOK = 2;
export var KIND_SPARSE = 3;
export var KIND_BINARY = 4;
export var KIND_INT32 = 5;
/** int8 whose values are a stream (fixed-width or Huffman) of bytes rather than raw bytes. */
export var KIND_INT8_STREAM = 6;
export var KIND_NAMES = ['float32', 'int8', 'codebook', 'sparse', 'binary', 'int32', 'int8-stream'];

export var CODING_FIXED = 0;
export var CODING_HUFFMAN = 1;

/** A packed stream of small integers: fixed-width or canonical Huffman. */
export interface Stream {
  coding: number;
  /** Bits per symbol when fixed. */
  width: number;
  /** Code length per symbol when Huffman (what the file stores), and its decode table. */
  lengths: Uint8Array | null;
  table: HuffmanTable | null;
  alphabet: number;
  count: number;
  /** Absolute byte range of the packed payload. */
  start: number;
  end: number;
}

export interface TensorInfo {
  name: string;
  shape: number[];
  size: number;
  kind: number;
  /** Absolute byte range of the blob. */
  start: number;
  end: number;
  /** float32 data, sparse float values, codebook table, or per-row/channel scales. */
  floats: Float32Array | null;
  /** int8: the quantized values and per-channel zero points; `axis` -1 = per tensor. */
  q: Int8Array | null;
  zero: Int8Array | null;
  scale: Float32Array | null;
  axis: number;
  /** codebook indices (codebook, sparse-codebook). */
  index: Stream | null;
  /** sparse: gap width, gap stream, number of entries. */
  gapBits: number;
  gaps: Stream | null;
  /** binary: absolute offset of the sign bits. */
  bitsAt: number;
  /** int32: the values (scale and axis as int8's, no zero point). */
  ints: Int32Array | null;
  /**
   * float32 and int8: whether `floats` or `q` is a view into the file (no RAM of its own).
   * float32 with `floats` null: the values stayed in flash (model.ts reads them by row).
   */
  viewed: boolean;
}

export function readTensors(bytes: Uint8Array, s: Sections): TensorInfo[] {
  var c = cursor(bytes, s.start.TENS, s.end.TENS, 'section TENS');
  var dataStart = s.start.DATA;
  var dataEnd = s.end.DATA;
  var n = u32(c, 'tensor count');
  // Each descriptor takes at least 16 bytes, so a huge count fails before any allocation.
  if (n * 16 > c.end - c.pos) fail(c.where, c.pos - 4, 'tensor count ' + n + ' exceeds the section');
  var out: TensorInfo[] = [];
  for (var i = 0; i < n; i++) {
    checkTables('tensor ' + i + ' of ' + n);
    var name = str(c, 'tensor name');
    var shape = readShape(c);
    var kindAt = c.pos;
    var kind = u8(c, 'encoding');
    if (kind >= KIND_NAMES.length) fail(c.where, kindAt, "tensor '" + name + "': unknown encoding " + kind);
    var offAt = c.pos;
    var off = u32(c, 'data offset');
    var len = u32(c, 'data length');
    if (off % 4 !== 0 || off + len > dataEnd - dataStart) {
      fail(c.where, offAt, "tensor '" + name + "': data range " + off + '+' + len + ' lies outside DATA');
    }
    out.push(tensorInfo(bytes, name, shape, kind, dataStart + off, dataStart + off + len));
  }
  return out;
}

/** Describes one tensor whose blob lies at bytes[start..end), checking the blob's header. */
export function tensorInfo(
  bytes: Uint8Array,
  name: string,
  shape: number[],
  kind: number,
  start: number,
  end: number,
): TensorInfo {
  var size = 1;
  for (var d = 0; d < shape.length; d++) size *= shape[d];
  // Sizes must stay exact integers in a double, and fit a typed array's length.
  if (size > 0xffffffff)
    fail('section TENS', start, "tensor '" + name + "' has " + size + ' elements, too many');
  var t: TensorInfo = {
    name: name,
    shape: shape,
    size: size,
    kind: kind,
    start: start,
    end: end,
    floats: null,
    q: null,
    zero: null,
    scale: null,
    axis: -1,
    index: null,
    gapBits: 0,
    gaps: null,
    bitsAt: 0,
    ints: null,
    viewed: false,
  };
  readBlob(bytes, t);
  return t;
}

/** rank (u8) then dims (u32 each); every dim at least 1. */
export function readShape(c: Cursor): number[] {
  var rank = u8(c, 'rank');
  if (rank > 8) fail(c.where, c.pos - 1, 'rank ' + rank + ' is more than 8');
  var shape: number[] = [];
  for (var d = 0; d < rank; d++) {
    var dim = u32(c, 'dimension');
    if (dim < 1) fail(c.where, c.pos - 4, 'dimension ' + d + ' is 0');
    shape.push(dim);
  }
  return shape;
}

function readBlob(bytes: Uint8Array, t: TensorInfo): void {
  var c = cursor(bytes, t.start, t.end, "tensor '" + t.name + "' (" + KIND_NAMES[t.kind] + ')');
  var k = t.kind;
  if (k === KIND_FLOAT32) {
    if (fromFlash && t.size > fromFlash.lazyFloats) {
      // Left in flash: checked a block at a time.
      var at = need(c, t.size * 4, 'float32 values');
      for (var i = 0; i < t.size; i += 1024)
        checkStored(
          new Float32Array(fromFlash.block(at + i * 4, Math.min(1024, t.size - i) * 4)),
          c.where,
          at + i * 4,
          'value',
          i,
        );
    } else {
      t.floats = floats(c, t.size, 'float32 values', 'value');
      t.viewed = viewed;
    }
  } else if (k === KIND_INT8 || k === KIND_INT32 || k === KIND_INT8_STREAM) {
    var axisAt = c.pos;
    t.axis = i16(c, 'axis');
    var channels = u16(c, 'channel count');
    var expect = t.axis < 0 ? 1 : t.axis < t.shape.length ? t.shape[t.axis] : -1;
    if (t.axis < -1 || channels !== expect)
      fail(c.where, axisAt, 'axis ' + t.axis + ' with ' + channels + ' channels does not fit the shape');
    t.scale = floats(c, channels, 'scales', 'scale');
    if (k === KIND_INT32) t.ints = i32s(c, t.size, 'int32 values');
    else {
      t.zero = i8s(c, channels, 'zero points');
      // A stream's symbols are the values' bytes (two's complement).
      if (k === KIND_INT8_STREAM) t.index = readStream(c, 256, t.size, 'value stream');
      else {
        t.q = i8s(c, t.size, 'int8 values');
        t.viewed = viewed;
      }
    }
  } else if (k === KIND_CODEBOOK) {
    readCodebook(c, t, t.size);
  } else if (k === KIND_SPARSE) {
    var gb = u8(c, 'gap bits');
    if (gb < 1 || gb > 8) fail(c.where, c.pos - 1, 'gap bits ' + gb + ' not in 1..8');
    t.gapBits = gb;
    var vkAt = c.pos;
    var vk = u8(c, 'value encoding');
    var entries = u32(c, 'entry count');
    // Entries sit at distinct positions, so there can be no more of them than weights.
    if (entries > t.size) fail(c.where, c.pos - 4, entries + ' entries for ' + t.size + ' weights');
    t.gaps = readStream(c, 1 << gb, entries, 'gap stream');
    if (vk === KIND_FLOAT32) t.floats = floats(c, entries, 'values', 'value');
    else if (vk === KIND_CODEBOOK) readCodebook(c, t, entries);
    else fail(c.where, vkAt, 'sparse values must be float32 or codebook, not encoding ' + vk);
  } else {
    var rows = t.shape.length ? t.shape[0] : 1;
    t.scale = floats(c, rows, 'row scales', 'row scale');
    t.bitsAt = need(c, Math.ceil(t.size / 8), 'sign bits');
  }
  if (c.pos !== c.end) fail(c.where, c.pos, c.end - c.pos + ' unexpected bytes after the tensor');
}

/** `n` stored floats (`label`), refused if one (`what`) is NaN, infinite or too large (finite.ts). */
function floats(c: Cursor, n: number, label: string, what: string): Float32Array {
  var at = c.pos;
  var a = f32s(c, n, label);
  checkStored(a, c.where, at, what, 0);
  return a;
}

function readCodebook(c: Cursor, t: TensorInfo, count: number): void {
  var n = u16(c, 'codebook size');
  if (n < 1 || n > 256) fail(c.where, c.pos - 2, 'codebook size ' + n + ' not in 1..256');
  t.floats = floats(c, n, 'codebook', 'codebook value');
  t.index = readStream(c, n, count, 'index stream');
}

/** coding (u8), then a width (u8) or code lengths, then a u32-length payload. */
function readStream(c: Cursor, alphabet: number, count: number, what: string): Stream {
  var at = c.pos;
  var coding = u8(c, what + ' coding');
  var s: Stream = {
    coding: coding,
    width: 0,
    lengths: null,
    table: null,
    alphabet: alphabet,
    count: count,
    start: 0,
    end: 0,
  };
  if (coding === CODING_FIXED) {
    s.width = u8(c, what + ' width');
    if (s.width < 1 || s.width > 8 || 1 << s.width < alphabet)
      fail(c.where, at + 1, what + ': width ' + s.width + ' cannot hold ' + alphabet + ' symbols');
  } else if (coding === CODING_HUFFMAN) {
    var lenAt = c.pos;
    s.lengths = unpackCodeLengths(c.bytes, c.pos, c.end, alphabet, c.where + ' ' + what);
    need(c, (alphabet + 1) >> 1, what + ' code lengths');
    s.table = huffmanTable(s.lengths, c.where + ' ' + what, lenAt);
  } else fail(c.where, at, what + ': unknown coding ' + coding);
  var len = u32(c, what + ' length');
  s.start = need(c, len, what);
  s.end = s.start + len;
  // A fixed stream's size is exact; a Huffman symbol takes 1 to 15 bits.
  var minBits = coding === CODING_FIXED ? count * s.width : count;
  if (len * 8 < minBits || (coding === CODING_FIXED && len !== Math.ceil(minBits / 8))) {
    fail(c.where, s.start, what + ': ' + len + ' bytes cannot hold ' + count + ' symbols');
  }
  return s;
}
