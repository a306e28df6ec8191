// Reads a tensor's float32 values in row-major order straight from its stored form,
// any number at a time. Kernels pull one row at a time, so a compressed model never
// needs a float copy of a whole weight matrix; `decodeTensor` reads it all at once.
import { fail } from './errors.js';
import { nextSymbol, readRun, rewind, SymbolReader, symbolReader } from './symbols.js';
import {
  CODING_FIXED,
  KIND_BINARY,
  KIND_CODEBOOK,
  KIND_FLOAT32,
  KIND_INT8,
  KIND_INT32,
  KIND_INT8_STREAM,
  KIND_SPARSE,
  Stream,
  TensorInfo,
} from './tensors.js';

export interface ValueReader {
  bytes: Uint8Array;
  t: TensorInfo;
  /** Index of the next value to read. */
  next: number;
  /** Codebook indices (codebook, sparse-codebook) and sparse gaps. */
  index: SymbolReader | null;
  gaps: SymbolReader | null;
  /** Sparse: entries read so far, and the position of the next entry. */
  entry: number;
  entryAt: number;
  /** int8: values per channel slice. */
  inner: number;
}

function streamReader(bytes: Uint8Array, s: Stream | null, where: string): SymbolReader | null {
  return s
    ? symbolReader(bytes, s.start, s.end, s.coding === CODING_FIXED ? null : s.table, s.width, where)
    : null;
}

export function valueReader(bytes: Uint8Array, t: TensorInfo): ValueReader {
  var inner = t.size;
  if ((t.kind === KIND_INT8 || t.kind === KIND_INT32 || t.kind === KIND_INT8_STREAM) && t.axis >= 0) {
    inner = 1;
    for (var d = t.axis + 1; d < t.shape.length; d++) inner *= t.shape[d];
  }
  var r: ValueReader = {
    bytes: bytes,
    t: t,
    next: 0,
    entry: 0,
    entryAt: -1,
    inner: inner,
    index: streamReader(bytes, t.index, "tensor '" + t.name + "' indices"),
    gaps: streamReader(bytes, t.gaps, "tensor '" + t.name + "' gaps"),
  };
  restart(r);
  return r;
}

/** Back to the first value. */
export function restart(r: ValueReader): void {
  r.next = 0;
  r.entry = 0;
  r.entryAt = -1;
  if (r.index) rewind(r.index);
  if (r.gaps) {
    rewind(r.gaps);
    nextEntry(r);
  }
}

function nextEntry(r: ValueReader): void {
  var t = r.t;
  if (r.entry >= t.gaps!.count) {
    r.entryAt = t.size;
    return;
  }
  r.entryAt += nextSymbol(r.gaps!) + 1;
  if (r.entryAt >= t.size)
    fail(
      r.gaps!.where,
      r.gaps!.pos,
      'entry ' + r.entry + ' lands at ' + r.entryAt + ', past ' + t.size + ' weights',
    );
}

function codebookValue(r: ValueReader): number {
  var table = r.t.floats!;
  var k = nextSymbol(r.index!);
  if (k >= table.length)
    fail(r.index!.where, r.index!.pos, 'index ' + k + ' beyond codebook of ' + table.length);
  return table[k];
}

/** Reads the next `n` values into out[0..n). */
export function readValues(r: ValueReader, out: Float32Array, n: number): void {
  var t = r.t;
  var k = t.kind;
  var p = r.next;
  if (p + n > t.size) fail("tensor '" + t.name + "'", t.start, 'read past its ' + t.size + ' values');
  r.next = p + n;
  var i: number;
  var v = t.floats!;
  if (k === KIND_FLOAT32) {
    for (i = 0; i < n; i++) out[i] = v[p + i];
  } else if (k === KIND_CODEBOOK) {
    readRun(r.index!, out, n, v);
  } else if (k === KIND_SPARSE) {
    for (i = 0; i < n; i++, p++) {
      if (p !== r.entryAt) out[i] = 0;
      else {
        out[i] = r.index ? codebookValue(r) : v[r.entry];
        r.entry++;
        nextEntry(r);
      }
    }
  } else if (k === KIND_INT8) {
    var q = t.q!;
    var sc = t.scale!;
    var zp = t.zero!;
    var channels = sc.length;
    for (i = 0; i < n; i++, p++) {
      var ch = ((p / r.inner) | 0) % channels;
      out[i] = sc[ch] * (q[p] - zp[ch]);
    }
  } else if (k === KIND_INT8_STREAM) {
    for (i = 0; i < n; i++, p++) {
      var cs = ((p / r.inner) | 0) % t.scale!.length;
      out[i] = t.scale![cs] * (((nextSymbol(r.index!) << 24) >> 24) - t.zero![cs]);
    }
  } else if (k === KIND_INT32) {
    for (i = 0; i < n; i++, p++) out[i] = t.scale![((p / r.inner) | 0) % t.scale!.length] * t.ints![p];
  } else if (k === KIND_BINARY) {
    var perRow = t.size / t.scale!.length;
    var bytes = r.bytes;
    for (i = 0; i < n; i++, p++) {
      var s = t.scale![(p / perRow) | 0];
      out[i] = (bytes[t.bitsAt + (p >> 3)] >> (7 - (p & 7))) & 1 ? s : -s;
    }
  }
}

/**
 * Reads every stored symbol once, so a corrupt stream fails at load. Work is bounded by
 * the file's size: sparse tensors are walked by entry, not by position (a few entries
 * may declare billions of zeros), dense ones a row (`row` holds one) at a time.
 */
export function checkStored(r: ValueReader, row: Float32Array): void {
  var t = r.t;
  if (t.kind === KIND_SPARSE) {
    for (var e = 1; e < t.gaps!.count; e++) nextEntry(r);
    for (e = 0; r.index && e < t.gaps!.count; e += row.length)
      readRun(r.index, row, Math.min(row.length, t.gaps!.count - e), t.floats);
  } else {
    var cols = t.shape[t.shape.length - 1];
    for (var done = 0; done < t.size; done += cols) readValues(r, row, cols);
  }
  restart(r);
}

/** All of the tensor's values into out[0..size). */
export function decodeTensor(bytes: Uint8Array, t: TensorInfo, out: Float32Array): void {
  readValues(valueReader(bytes, t), out, t.size);
}

/** A stream's symbols into out[0..count) (the host reader rebuilds encodings with it). */
export function readSymbols(bytes: Uint8Array, s: Stream, out: Uint8Array, where: string): Uint8Array {
  readRun(streamReader(bytes, s, where)!, out, s.count, null);
  return out;
}
