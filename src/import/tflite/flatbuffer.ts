// A bounds-checked view of a flatbuffer, on top of the flatbuffers package's ByteBuffer.
// The generated flatbuffers code trusts every offset; a .tflite file comes from users,
// so here every table, vtable, vector and string is checked to lie inside the file
// before it is read, and a bad one fails naming the byte offset and what was read.
import { ByteBuffer } from 'flatbuffers';

export class TfliteFormatError extends Error {}

/** One table: where it starts, its vtable, and what it is (for messages). */
export interface FbTable {
  pos: number;
  vtable: number;
  /** Bytes of vtable (4 + 2 per field slot) and of the table's inline data. */
  vtableSize: number;
  tableSize: number;
  what: string;
}

/** A vector's element range: `length` elements of `stride` bytes from `start`. */
export interface FbVector {
  start: number;
  length: number;
}

export class Flatbuffer {
  readonly bb: ByteBuffer;
  readonly size: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  fail(offset: number, problem: string): never {
    throw new TfliteFormatError(`mote: ${this.file} at byte ${offset}: ${problem}`);
  }

  /** Fails unless bytes [at, at + n) lie inside the file. */
  need(at: number, n: number, what: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.size))
      this.fail(at, `${what} (${n} bytes) runs past the end of the ${this.size}-byte file`);
  }

  u8(at: number, what: string): number {
    this.need(at, 1, what);
    return this.bb.readUint8(at);
  }
  u16(at: number, what: string): number {
    this.need(at, 2, what);
    return this.bb.readUint16(at);
  }
  i32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.bb.readInt32(at);
  }
  u32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.bb.readUint32(at);
  }

  /** The root table, after the optional 4-byte file identifier. */
  root(identifier: string, what: string): FbTable {
    this.need(0, 8, 'the root offset and file identifier');
    const id = String.fromCharCode(...this.bytes.subarray(4, 8));
    if (id !== identifier)
      this.fail(4, `file identifier is ${JSON.stringify(id)}, not "${identifier}": not a ${what} file`);
    return this.table(this.u32(0, 'root offset'), what);
  }

  /** The table at `pos`, with its vtable checked. */
  table(pos: number, what: string): FbTable {
    const vtable = pos - this.i32(pos, `${what} vtable offset`);
    const vtableSize = this.u16(vtable, `${what} vtable size`);
    const tableSize = this.u16(vtable + 2, `${what} table size`);
    if (vtableSize < 4 || vtableSize % 2 !== 0)
      this.fail(vtable, `${what} has a bad vtable size ${vtableSize}`);
    if (tableSize < 4) this.fail(vtable + 2, `${what} has a bad table size ${tableSize}`);
    this.need(vtable, vtableSize, `${what} vtable`);
    this.need(pos, tableSize, `${what} table`);
    return { pos, vtable, vtableSize, tableSize, what };
  }

  /** Absolute offset of field `slot` (0-based, in schema order) of `t`, or 0 when absent. */
  field(t: FbTable, slot: number, bytes: number, name: string): number {
    const entry = 4 + 2 * slot;
    if (entry >= t.vtableSize) return 0;
    const off = this.bb.readUint16(t.vtable + entry);
    if (off === 0) return 0;
    if (off + bytes > t.tableSize) this.fail(t.pos, `${t.what} field '${name}' lies outside its table`);
    return t.pos + off;
  }

  scalarU8(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 1, name);
    return at ? this.bb.readUint8(at) : dflt;
  }
  scalarI8(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 1, name);
    return at ? this.bb.readInt8(at) : dflt;
  }
  scalarI32(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 4, name);
    return at ? this.bb.readInt32(at) : dflt;
  }
  scalarU32(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 4, name);
    return at ? this.bb.readUint32(at) : dflt;
  }
  scalarF32(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 4, name);
    return at ? this.bb.readFloat32(at) : dflt;
  }
  /** A 64-bit scalar as a number; fails if it is not exactly representable. */
  scalarI64(t: FbTable, slot: number, name: string, dflt: number): number {
    const at = this.field(t, slot, 8, name);
    return at ? this.int64(at, `${t.what} field '${name}'`) : dflt;
  }

  int64(at: number, what: string): number {
    this.need(at, 8, what);
    const v = this.bb.readInt64(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      this.fail(at, `${what} is ${v}, too large`);
    return Number(v);
  }

  /** Follows the uoffset stored in field `slot`; 0 when the field is absent. */
  private ref(t: FbTable, slot: number, name: string): number {
    const at = this.field(t, slot, 4, name);
    if (!at) return 0;
    const target = at + this.bb.readUint32(at);
    if (target >= this.size) this.fail(at, `${t.what} field '${name}' points past the end of the file`);
    return target;
  }

  subTable(t: FbTable, slot: number, name: string, what: string): FbTable | null {
    const at = this.ref(t, slot, name);
    return at ? this.table(at, what) : null;
  }

  /** A vector of `stride`-byte elements; empty when the field is absent. */
  vector(t: FbTable, slot: number, name: string, stride: number): FbVector {
    const at = this.ref(t, slot, name);
    if (!at) return { start: 0, length: 0 };
    const length = this.u32(at, `${t.what} '${name}' length`);
    // Checked before anything is allocated for it, so a lying length cannot exhaust memory.
    this.need(at + 4, length * stride, `${t.what} '${name}' (${length} elements)`);
    return { start: at + 4, length };
  }

  string(t: FbTable, slot: number, name: string): string | null {
    const v = this.vector(t, slot, name, 1);
    if (!v.start) return null;
    this.need(v.start, v.length + 1, `${t.what} '${name}'`);
    return new TextDecoder('utf-8', { fatal: false }).decode(
      this.bytes.subarray(v.start, v.start + v.length),
    );
  }

  tables(t: FbTable, slot: number, name: string, what: string): FbTable[] {
    const v = this.vector(t, slot, name, 4);
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const at = v.start + 4 * i;
      out.push(this.table(at + this.bb.readUint32(at), `${what} ${i}`));
    }
    return out;
  }

  int32s(t: FbTable, slot: number, name: string): number[] {
    const v = this.vector(t, slot, name, 4);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }

  float32s(t: FbTable, slot: number, name: string): Float32Array {
    const v = this.vector(t, slot, name, 4);
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  int64s(t: FbTable, slot: number, name: string): number[] {
    const v = this.vector(t, slot, name, 8);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.int64(v.start + 8 * i, `${t.what} '${name}'[${i}]`));
    return out;
  }

  /** A byte vector as a view into the file (no copy). */
  ubytes(t: FbTable, slot: number, name: string): Uint8Array {
    const v = this.vector(t, slot, name, 1);
    return this.bytes.subarray(v.start, v.start + v.length);
  }
}
