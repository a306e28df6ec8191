// Files in Espruino's Storage (flash). `require("Storage").read(name, at, n)` returns a
// string that stays in flash, and E.toArrayBuffer views it without copying: a few
// variables and ~20 µs whatever its size, but every element touched later is a flash read
// (docs/FIRMWARE-COSTS.md). So a block read once per inference (a weight row) is used in
// place by the native helpers, and what is read again and again (tables, biases,
// codebooks, resident codes) is copied into RAM once.
import { fail } from './errors.js';

/** The parts of Espruino's `E` the flash path uses. */
interface EspruinoE {
  toArrayBuffer(s: string): ArrayBuffer;
  CRC32(s: unknown): number;
  mapInPlace?: unknown;
}

interface StorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: unknown, offset?: number, size?: number): boolean;
  erase(name: string): void;
}

declare var E: EspruinoE | undefined;
/** Defined by the bundle's wrapper (src/build/runtime.ts), where Espruino's require is. */
declare var __moteStorage: (() => StorageModule) | null | undefined;

/** One Storage file, read in blocks. */
export interface FlashFile {
  storage: StorageModule;
  name: string;
  size: number;
  /** A typed array over the whole file in flash: slow per element, for small header reads. */
  view: Uint8Array;
}

/** Espruino's Storage module, when this engine is Espruino with the helpers the flash path needs. */
export function storage(): StorageModule | null {
  if (
    typeof E === 'undefined' ||
    !E ||
    typeof E.mapInPlace !== 'function' ||
    typeof E.CRC32 !== 'function' ||
    typeof E.toArrayBuffer !== 'function'
  )
    return null;
  if (typeof __moteStorage !== 'function') return null;
  try {
    return __moteStorage();
  } catch (_e) {
    return null;
  }
}

export function openFlash(name: string): FlashFile {
  var s = storage();
  if (!s) fail('load', 0, "loading '" + name + "' by name needs Espruino's Storage; pass the bytes instead");
  var whole = s!.read(name);
  if (whole === undefined) fail(name, 0, 'no such file in Storage');
  return { storage: s!, name: name, size: whole!.length, view: new Uint8Array(E!.toArrayBuffer(whole!)) };
}

/** Bytes [at, at + n) of the file, in flash (read each element once at most). */
export function readBlock(f: FlashFile, at: number, n: number): ArrayBuffer {
  if (at < 0 || n < 0 || at + n > f.size) fail(f.name, at, 'read of ' + n + ' bytes runs past the file');
  return E!.toArrayBuffer(f.storage.read(f.name, at, n)!);
}

/** Bytes [at, at + n) of the file, copied into RAM (for data read many times). */
export function copyBlock(f: FlashFile, at: number, n: number): ArrayBuffer {
  return new Uint8Array(new Uint8Array(readBlock(f, at, n))).buffer as ArrayBuffer;
}

/** CRC-32 of bytes [at, at + n) of the file, computed natively. */
export function flashCrc(f: FlashFile, at: number, n: number): number {
  return E!.CRC32(f.storage.read(f.name, at, n)) >>> 0;
}
