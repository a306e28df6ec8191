// The device form of a model: the weights it streams, decoded once into rows that
// Espruino's native helpers take as they are, kept in a Storage file beside the model.
// Measured on the Bangle.js 2 firmware (docs/FIRMWARE-COSTS.md): decoding a Huffman
// symbol in JS costs ~400 µs, a weight in a row handed to E.mapInPlace and E.convolve
// well under 1 µs. So Huffman stays the form that travels and is stored, and decoding
// happens once: here, on the device at first load, or on the host (same code).
//
// Layout (little-endian u32s): magic 'MOTD', the .mote's CRC-32 (a reflashed model makes
// the form stale), entry count, then per entry [tensor, kind, at, rows]:
// - dense rows (kind 0): row r's float32 values at at + r * rowLength * 4;
// - sparse rows (kind 1): at `at` a table of [offset, count] per row; a row is its column
//   indices (u16, padded to 4 bytes) then its float32 values, non-zeros only;
// - code rows (kind 2, clustered weights): [bits, codebook size n], n float32 centroids,
//   then each row's cluster indices packed `bits` to a code, MSB first, each row starting
//   on a 4-byte boundary: E.mapInPlace(codes, row, codebook, bits) unpacks a row and
//   looks its weights up in one native call.
import { fail } from './errors.js';
import { readValues, valueReader } from './decode.js';
import { packedTable, readPacked } from './packed-codes.js';
import { readRun, rewind, SymbolReader } from './symbols.js';
import { KIND_CODEBOOK, KIND_SPARSE, TensorInfo } from './tensors.js';

export var FORM_MAGIC = 0x44544f4d;
export var ROWS_DENSE = 0;
export var ROWS_SPARSE = 1;
export var ROWS_CODES = 2;

/** Where a streamed tensor's rows are. */
export interface Rows {
  /** Reads bytes [at, at + n) of the file that holds the rows, into RAM. */
  block: (at: number, n: number) => ArrayBuffer;
  kind: number;
  rows: number;
  rowLength: number;
  /** Dense and code rows: row 0's offset. */
  at: number;
  /** Sparse: offset and count per row. */
  table: Uint32Array | null;
  /** Codes: bits per code, bytes per row, the centroids, and the packed rows when in RAM. */
  bits: number;
  rowBytes: number;
  codebook: Float32Array | null;
  packed: Uint8Array | null;
}

/** One tensor to put in the device form, its blob readable from RAM, and its rowKind(). */
export interface FormTensor {
  index: number;
  t: TensorInfo;
  kind: number;
  bytes: Uint8Array;
}

/** Rows of a tensor: dense weights [rows, ...] have shape[0] rows. */
export function rowCount(t: TensorInfo): number {
  return t.shape.length > 1 ? t.shape[0] : 1;
}

/**
 * The rows a weight tensor takes: sparse rows for a pruned dense layer, code rows for
 * clustered weights, else float32 rows (conv kernels are read whole, so never sparse).
 */
export function rowKind(t: TensorInfo, conv: boolean): number {
  if (t.kind === KIND_SPARSE && !conv) return ROWS_SPARSE;
  return t.kind === KIND_CODEBOOK ? ROWS_CODES : ROWS_DENSE;
}

function headerBytes(n: number): number {
  return 12 + 16 * n;
}

/** The form's size: exact for dense and code rows, a bound for sparse ones (every entry kept). */
export function formSize(list: { t: TensorInfo; kind: number }[]): number {
  var size = headerBytes(list.length);
  for (var i = 0; i < list.length; i++) size += tensorBytes(list[i].t, list[i].kind);
  return size;
}

function tensorBytes(t: TensorInfo, kind: number): number {
  var rows = rowCount(t);
  if (kind === ROWS_SPARSE) return rows * 10 + 6 * t.gaps!.count;
  if (kind === ROWS_CODES) return 8 + 4 * t.floats!.length + rows * codeRowBytes(t);
  return t.size * 4;
}

/** Bits per cluster index. */
function codeBits(t: TensorInfo): number {
  var bits = 1;
  while (1 << bits < t.floats!.length) bits++;
  return bits;
}

/** Bytes per packed row, rounded up to 4 so that every row starts aligned. */
function codeRowBytes(t: TensorInfo): number {
  return (((t.size / rowCount(t)) * codeBits(t) + 31) >> 5) * 4;
}

/**
 * Writes the device form of `list` through `write(data, offset)` (the caller has made a
 * file of formSize() bytes). Rows are decoded with the runtime's own readers, so the form
 * holds exactly the values the stream plan computes with.
 */
export function writeForm(
  list: FormTensor[],
  crc: number,
  write: (data: Uint8Array, at: number) => void,
): void {
  var n = list.length;
  var head = new Uint32Array(3 + 4 * n);
  head[0] = FORM_MAGIC;
  head[1] = crc;
  head[2] = n;
  // Each tensor gets its formSize() share, so every offset is known before decoding and
  // the header goes first (Storage creates the file with its first write, at offset 0).
  var at = headerBytes(n);
  var i: number;
  for (i = 0; i < n; i++) {
    var t = list[i].t;
    head[3 + 4 * i] = list[i].index;
    head[4 + 4 * i] = list[i].kind;
    head[5 + 4 * i] = at;
    head[6 + 4 * i] = rowCount(t);
    at += tensorBytes(t, list[i].kind);
  }
  write(new Uint8Array(head.buffer), 0);
  for (i = 0; i < n; i++) writeRows(list[i], head[5 + 4 * i], write);
}

function writeRows(f: FormTensor, at: number, write: (data: Uint8Array, at: number) => void): void {
  var t = f.t;
  var rows = rowCount(t);
  var len = t.size / rows;
  var r = valueReader(f.bytes, t);
  var k: number;
  if (f.kind === ROWS_CODES) {
    writeCodes(t, r.index!, at, write);
    return;
  }
  if (f.kind === ROWS_DENSE && t.kind !== KIND_SPARSE) {
    var row = new Float32Array(len);
    for (k = 0; k < rows; k++, at += len * 4) {
      readValues(r, row, len);
      write(new Uint8Array(row.buffer), at);
    }
    return;
  }
  var dense = f.kind === ROWS_DENSE;
  if (len > 65535 && !dense)
    fail("tensor '" + t.name + "'", t.start, 'rows of ' + len + ' values are too long');
  writeSparse(t, r.gaps!, r.index, at, write, dense);
}

/**
 * Sparse rows from the entry streams, a chunk of entries at a time: work per stored entry,
 * not per weight (a pruned layer stores a tenth of its weights or less). `dense`: the rows
 * are written whole as float32 values instead (a pruned conv's kernels, read whole).
 */
function writeSparse(
  t: TensorInfo,
  gs: SymbolReader,
  ix: SymbolReader | null,
  at: number,
  write: (data: Uint8Array, at: number) => void,
  dense: boolean,
): void {
  var rows = rowCount(t);
  var len = t.size / rows;
  var table = new Uint32Array(dense ? 0 : 2 * rows);
  var cols = new Uint16Array(dense ? 0 : len);
  var vals = new Float32Array(len);
  var gaps = new Uint8Array(CHUNK);
  var chunk = new Float32Array(CHUNK);
  var next = at + rows * 8;
  var row = 0;
  var c = 0;
  var pos = -1;
  // Row `row` holds positions [rowStart, rowEnd): per entry only a compare, not a product.
  var rowStart = 0;
  var rowEnd = len;
  var zeros = new Float32Array(dense ? len : 0);
  function flush(): void {
    if (dense) {
      write(new Uint8Array(vals.buffer), at + row * len * 4);
      vals.set(zeros);
    } else flushSparse();
    row++;
    rowStart = rowEnd;
    rowEnd += len;
  }
  function flushSparse(): void {
    table[2 * row] = next;
    table[2 * row + 1] = c;
    var pad = (c * 2 + 3) & ~3;
    if (c) {
      write(new Uint8Array(cols.buffer, 0, c * 2), next);
      write(new Uint8Array(vals.buffer, 0, c * 4), next + pad);
    }
    next += pad + c * 4;
    c = 0;
  }
  rewind(gs);
  if (ix) rewind(ix);
  for (var e = 0, left = t.gaps!.count; left > 0;) {
    var k = left < CHUNK ? left : CHUNK;
    readRun(gs, gaps, k, null);
    if (ix) readRun(ix, chunk, k, t.floats);
    else for (var j = 0; j < k; j++) chunk[j] = t.floats![e + j];
    for (j = 0; j < k; j++) {
      pos += gaps[j] + 1;
      while (pos >= rowEnd) {
        if (row + 1 >= rows)
          fail(gs.where, gs.pos, 'entry ' + (e + j) + ' lands at ' + pos + ', past ' + t.size + ' weights');
        flush();
      }
      // Filler entries (a gap too long for its width) hold zeros: not kept.
      var v = chunk[j];
      if (v === 0) continue;
      if (dense) vals[pos - rowStart] = v;
      else {
        cols[c] = pos - rowStart;
        vals[c++] = v;
      }
    }
    e += k;
    left -= k;
  }
  while (row < rows) flush();
  if (!dense) write(new Uint8Array(table.buffer), at);
}

/** Entries decoded per step when writing sparse rows. */
var CHUNK = 256;

function writeCodes(
  t: TensorInfo,
  index: SymbolReader,
  at: number,
  write: (data: Uint8Array, at: number) => void,
): void {
  var rows = rowCount(t);
  var len = t.size / rows;
  var bits = codeBits(t);
  var n = t.floats!.length;
  var head = new Uint32Array(2 + n);
  head[0] = bits;
  head[1] = n;
  new Float32Array(head.buffer, 8, n).set(t.floats!);
  write(new Uint8Array(head.buffer), at);
  at += head.byteLength;
  var rb = codeRowBytes(t);
  var packed = new Uint8Array(rb);
  var scratch = new Uint8Array(index.table ? 0 : len);
  var table = index.table ? packedTable(index.table, bits, n) : null;
  for (var k = 0; k < rows; k++, at += rb) {
    readPacked(index, table, bits, n, packed, len, scratch);
    write(packed, at);
  }
}

/**
 * Reads a device form's header and tables (`block` views the file, `copy` copies into RAM
 * what is read at every inference); null when it is missing, stale or is not the
 * form of exactly `expect` (tensor indices, in order, of the row kinds `kinds`), so the
 * caller rebuilds it.
 */
export function readForm(
  block: (at: number, n: number) => ArrayBuffer,
  copy: (at: number, n: number) => ArrayBuffer,
  size: number,
  crc: number,
  expect: number[],
  kinds: number[],
  tensors: TensorInfo[],
): Rows[] | null {
  var n = expect.length;
  if (size < headerBytes(n)) return null;
  var head = new Uint32Array(block(0, headerBytes(n)));
  if (head[0] !== FORM_MAGIC || head[1] !== crc >>> 0 || head[2] !== n) return null;
  var out: Rows[] = [];
  for (var i = 0; i < n; i++) {
    var t = tensors[expect[i]];
    var kind = head[4 + 4 * i];
    var at = head[5 + 4 * i];
    var rows = head[6 + 4 * i];
    var len = t.size / rowCount(t);
    if (head[3 + 4 * i] !== expect[i] || rows !== rowCount(t) || kind !== kinds[i]) return null;
    if (at + tensorBytes(t, kind) > size && kind !== ROWS_SPARSE) return null;
    var table: Uint32Array | null = null;
    var codebook: Float32Array | null = null;
    if (kind === ROWS_CODES) {
      var ch = new Uint32Array(block(at, 8));
      if (ch[0] !== codeBits(t) || ch[1] !== t.floats!.length) return null;
      codebook = new Float32Array(copy(at + 8, ch[1] * 4));
      at += 8 + ch[1] * 4;
    } else if (kind === ROWS_SPARSE) {
      if (at + rows * 8 > size) return null;
      table = new Uint32Array(copy(at, rows * 8));
      for (var k = 0; k < rows; k++) {
        var c = table[2 * k + 1];
        if (c > len || table[2 * k] + ((c * 2 + 3) & ~3) + c * 4 > size) return null;
      }
    }
    out.push({
      block: block,
      kind: kind,
      rows: rows,
      rowLength: len,
      at: at,
      table: table,
      bits: codebook ? codeBits(t) : 0,
      rowBytes: codebook ? codeRowBytes(t) : 0,
      codebook: codebook,
      packed: null,
    });
  }
  return out;
}
