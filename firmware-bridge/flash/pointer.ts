// The pointer record: a small file naming the installed runtime and model, with their sizes
// and CRC-32s. Two slots (mote.p0, mote.p1) alternate; the valid record with the highest
// sequence number wins, so a torn or lost pointer write leaves the previous one in charge.
import { crc32 } from '../../src/runtime/crc32.js';

export interface InstalledFile {
  name: string;
  size: number;
  /** CRC-32 of the whole file: what E.CRC32(require("Storage").read(name)) gives on the device. */
  crc: number;
  /**
   * The model only: CRC-32 of the file without its 4-byte trailer, i.e. the .mote's own
   * checksum (the number its trailer stores), which tells one model from another. (A .mote's
   * whole-file CRC-32 is always 2144df1c: a CRC-32 over data followed by its own CRC-32 is
   * that constant.) Absent in records written before it was added.
   */
  bodyCrc?: number;
  /** The model only: multiply-accumulates per inference, for the device time budgets. */
  macs?: number;
}

export interface Pointer {
  /** Increases by one with every successful flash. */
  seq: number;
  runtime: InstalledFile;
  model: InstalledFile;
  /** The target the model was flashed for, when given. */
  target?: string;
}

export const PREFIX = 'mote.';
export const POINTER_SLOTS = ['mote.p0', 'mote.p1'] as const;

/** The slot a record with this sequence number goes to (never the current one's). */
export function slotFor(seq: number): string {
  return POINTER_SLOTS[seq % 2];
}

/** JSON, a newline, and the CRC-32 of the JSON in hex: a torn write fails the check. */
export function encodePointer(p: Pointer): Uint8Array {
  const json = Buffer.from(JSON.stringify(p), 'utf8');
  const crc = crc32(json, 0, json.length).toString(16).padStart(8, '0');
  return new Uint8Array(Buffer.concat([json, Buffer.from(`\n${crc}`, 'latin1')]));
}

/** The record, or null when the bytes are not a whole, valid record. */
export function decodePointer(bytes: Uint8Array): Pointer | null {
  const nl = bytes.lastIndexOf(0x0a);
  if (nl < 0) return null;
  const crc = Buffer.from(bytes.subarray(nl + 1)).toString('latin1');
  if (!/^[0-9a-f]{8}$/.test(crc) || parseInt(crc, 16) !== crc32(bytes, 0, nl)) return null;
  try {
    const p = JSON.parse(Buffer.from(bytes.subarray(0, nl)).toString('utf8')) as Pointer;
    const fileOk = (f: InstalledFile | undefined) =>
      !!f && typeof f.name === 'string' && Number.isInteger(f.size) && Number.isInteger(f.crc);
    return Number.isInteger(p.seq) && fileOk(p.runtime) && fileOk(p.model) ? p : null;
  } catch {
    return null;
  }
}
