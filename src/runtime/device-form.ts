// The device form of a model: the weights it streams, decoded once into rows that
// Espruino's native helpers take as they are, kept in a Storage file beside the model.
// Measured on the Bangle.js 2 firmware (docs/FIRMWARE-COSTS.md): decoding a Huffman
// symbol in JS costs ~400 µs, a weight in a float32 row read from flash and handed to
// E.convolve well under 1 µs. So Huffman stays the form that travels and is stored, and
// decoding happens once: here, on the device at first load, or on the host (same code).
//
// Layout (little-endian u32s): magic 'MOTD', the .mote's CRC-32 (a reflashed model makes
// the form stale), entry count, then per entry [tensor, kind, at, rows]:
// - dense rows (kind 0): row r's float32 values at at + r * rowLength * 4;
// - sparse rows (kind 1): at `at` a table of [offset, count] per row; a row is its column
//   indices (u16, padded to 4 bytes) then its float32 values, non-zeros only.
import { fail } from './errors.js';
import { readValues, valueReader } from './decode.js';
import { KIND_SPARSE, TensorInfo } from './tensors.js';

export var FORM_MAGIC = 0x44544f4d;
export var ROWS_DENSE = 0;
export var ROWS_SPARSE = 1;

/** Where a streamed tensor's rows are. */
export interface Rows {
  /** Reads bytes [at, at + n) of the file that holds the rows, into RAM. */
  block: (at: number, n: number) => ArrayBuffer;
  kind: number;
  rows: number;
  rowLength: number;
  /** Dense: row 0's offset. */
  at: number;
  /** Sparse: offset and count per row. */
  table: Uint32Array | null;
}

/**
 * One tensor to put in the device form, its blob readable from RAM. `sparse`: rows of
 * non-zeros (dense layers of pruned weights); else float32 rows (conv kernels, which
 * the conv kernel reads whole).
 */
export interface FormTensor {
  index: number;
  t: TensorInfo;
  sparse: boolean;
  bytes: Uint8Array;
}

/** Rows of a tensor: dense weights [rows, ...] have shape[0] rows. */
export function rowCount(t: TensorInfo): number {
  return t.shape.length > 1 ? t.shape[0] : 1;
}

function headerBytes(n: number): number {
  return 12 + 16 * n;
}

/** The form's size: exact for dense rows, a bound for sparse ones (every entry kept). */
export function formSize(list: { t: TensorInfo; sparse: boolean }[]): number {
  var size = headerBytes(list.length);
  for (var i = 0; i < list.length; i++) size += tensorBytes(list[i].t, list[i].sparse);
  return size;
}

function tensorBytes(t: TensorInfo, sparse: boolean): number {
  return sparse ? rowCount(t) * 10 + 6 * t.gaps!.count : t.size * 4;
}

/** Whether a weight tensor's device form is sparse rows (a pruned dense layer's). */
export function sparseRows(t: TensorInfo, conv: boolean): boolean {
  return t.kind === KIND_SPARSE && !conv;
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
    head[4 + 4 * i] = list[i].sparse ? ROWS_SPARSE : ROWS_DENSE;
    head[5 + 4 * i] = at;
    head[6 + 4 * i] = rowCount(t);
    at += tensorBytes(t, list[i].sparse);
  }
  write(new Uint8Array(head.buffer), 0);
  for (i = 0; i < n; i++) writeRows(list[i], head[5 + 4 * i], write);
}

function writeRows(f: FormTensor, at: number, write: (data: Uint8Array, at: number) => void): void {
  var t = f.t;
  var rows = rowCount(t);
  var len = t.size / rows;
  var r = valueReader(f.bytes, t);
  var row = new Float32Array(len);
  var k: number;
  if (!f.sparse) {
    for (k = 0; k < rows; k++, at += len * 4) {
      readValues(r, row, len);
      write(new Uint8Array(row.buffer), at);
    }
    return;
  }
  if (len > 65535) fail("tensor '" + t.name + "'", t.start, 'rows of ' + len + ' values are too long');
  var table = new Uint32Array(2 * rows);
  var cols = new Uint16Array(len);
  var vals = new Float32Array(len);
  var next = at + rows * 8;
  for (k = 0; k < rows; k++) {
    readValues(r, row, len);
    var c = 0;
    for (var j = 0; j < len; j++) {
      if (row[j] !== 0) {
        cols[c] = j;
        vals[c++] = row[j];
      }
    }
    table[2 * k] = next;
    table[2 * k + 1] = c;
    var pad = (c * 2 + 3) & ~3;
    if (c) {
      write(new Uint8Array(cols.buffer, 0, c * 2), next);
      write(new Uint8Array(vals.buffer, 0, c * 4), next + pad);
    }
    next += pad + c * 4;
  }
  write(new Uint8Array(table.buffer), at);
}

/**
 * Reads a device form's header and sparse tables; null when it is missing, stale or is
 * not the form of exactly `expect` (tensor indices, in order, sparse rows where `sparse`),
 * so the caller rebuilds it.
 */
export function readForm(
  block: (at: number, n: number) => ArrayBuffer,
  size: number,
  crc: number,
  expect: number[],
  sparse: boolean[],
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
    if (
      head[3 + 4 * i] !== expect[i] ||
      rows !== rowCount(t) ||
      kind !== (sparse[i] ? ROWS_SPARSE : ROWS_DENSE)
    )
      return null;
    var table: Uint32Array | null = null;
    if (kind === ROWS_SPARSE) {
      if (at + rows * 8 > size) return null;
      table = new Uint32Array(block(at, rows * 8));
      for (var k = 0; k < rows; k++) {
        var c = table[2 * k + 1];
        if (c > len || table[2 * k] + ((c * 2 + 3) & ~3) + c * 4 > size) return null;
      }
    } else if (at + t.size * 4 > size) return null;
    out.push({ block: block, kind: kind, rows: rows, rowLength: len, at: at, table: table });
  }
  return out;
}
