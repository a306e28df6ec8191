// Espruino's Storage through the REPL: files are written with the chunked signature
// write(name, data, offset, size), data always as base64 text decoded on the device by
// atob (never user text pasted into code), and checked with E.CRC32 on the device.
//
// Every request here may run twice, so each goes as a checked line (repl.ts): a chunk whose
// line was garbled on the way is refused by the device before anything is written (flash
// cannot be rewritten in place, so bad bytes must never land), and is sent again alone. A
// written chunk answers with E.CRC32 of what Storage now holds at its place, which must be
// the host's CRC-32 of the chunk.
import { crc32 } from '../../src/runtime/crc32.js';
import type { DeviceStorage, StoredFile } from '../storage.js';
import { DeviceError, type EspruinoRepl } from './repl.js';
import { LinkFaultError } from '../retry.js';
import { checkName } from '../names.js';

export interface EspruinoStorageOptions {
  /** Raw bytes per write line (base64 makes the line 4/3 as long). Default 768. */
  chunkBytes?: number;
}

/** Espruino's Storage file names are at most 28 characters (espruino.com/Reference#Storage). */
export const ESPRUINO_MAX_NAME = 28;

export class EspruinoStorage implements DeviceStorage {
  readonly kind = 'Espruino Storage';
  readonly maxNameLength = ESPRUINO_MAX_NAME;
  readonly chunkBytes: number;

  constructor(
    private readonly repl: EspruinoRepl,
    opts: EspruinoStorageOptions = {},
  ) {
    this.chunkBytes = opts.chunkBytes ?? 768;
  }

  async list(prefix: string): Promise<string[]> {
    const v = await this.repl.call('return require("Storage").list()', 'listing Storage', {
      idempotent: true,
    });
    if (!Array.isArray(v))
      throw new DeviceError(this.repl.link.name, 'listing Storage', 'list() did not return an array');
    return v.map(String).filter((n) => n.startsWith(prefix));
  }

  async check(name: string, tail = 0): Promise<StoredFile | null> {
    const n = this.quoted(name);
    // Storage.read maps the file from flash: neither CRC copies it into RAM. read(name,
    // offset, length) reads a part the same way.
    const body = tail > 0 ? `,s.length>${tail}?E.CRC32(S.read(${n},0,s.length-${tail}))>>>0:null` : '';
    const v = await this.repl.call(
      `var S=require("Storage"),s=S.read(${n});return s===undefined?null:[s.length,E.CRC32(s)>>>0${body}]`,
      `checking ${name}`,
      { idempotent: true },
    );
    if (v === null) return null;
    if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number')
      throw new DeviceError(
        this.repl.link.name,
        `checking ${name}`,
        `unexpected answer ${JSON.stringify(v)}`,
        'protocol',
      );
    return { size: v[0], crc: v[1], ...(tail > 0 && typeof v[2] === 'number' ? { bodyCrc: v[2] } : {}) };
  }

  async write(name: string, bytes: Uint8Array, onProgress?: (sent: number) => void): Promise<void> {
    const n = this.quoted(name);
    if (bytes.length === 0) throw new Error(`mote: refusing to write an empty file ${name}`);
    const chunks = Math.ceil(bytes.length / this.chunkBytes);
    for (let at = 0, k = 1; at < bytes.length; at += this.chunkBytes, k++) {
      const chunk = bytes.subarray(at, at + this.chunkBytes);
      const want = crc32(chunk, 0, chunk.length);
      const what = `writing ${name} chunk ${k} of ${chunks} (bytes ${at}-${at + chunk.length - 1} of ${bytes.length})`;
      await this.repl.retry(what, async () => {
        const got = await this.repl.attempt(chunkBody(n, chunk, at, bytes.length), what);
        if (got === false)
          throw new DeviceError(this.repl.link.name, what, 'Storage.write returned false (is Storage full?)');
        if (got !== want)
          throw new LinkFaultError(
            this.repl.link.name,
            what,
            `the device holds CRC-32 ${String(got)} where the chunk's is ${want}`,
          );
      });
      onProgress?.(Math.min(bytes.length, at + this.chunkBytes));
    }
  }

  async read(name: string): Promise<Uint8Array | null> {
    const n = this.quoted(name);
    const v = await this.repl.call(
      `var s=require("Storage").read(${n});return s===undefined?null:btoa(s)`,
      `reading ${name}`,
      { idempotent: true },
    );
    if (v === null) return null;
    if (typeof v !== 'string')
      throw new DeviceError(this.repl.link.name, `reading ${name}`, 'expected base64 text');
    return new Uint8Array(Buffer.from(v, 'base64'));
  }

  async erase(name: string): Promise<void> {
    await this.repl.call(`require("Storage").erase(${this.quoted(name)});return 1`, `erasing ${name}`, {
      idempotent: true,
    });
  }

  /** The name as a JS string literal; names are mote's own, checked against a safe alphabet. */
  private quoted(name: string): string {
    return JSON.stringify(checkName(name, this.maxNameLength));
  }
}

/**
 * The request that writes `chunk` at `at` of a file of `size` bytes named by the JS literal
 * `n`, answering E.CRC32 of what Storage then holds there (or false if Storage refused).
 * The first chunk creates the file at its full size; later ones fill it in place. Storage
 * refuses to write over written bytes, even the same ones ("File already written with
 * different data", 2v29), so a chunk sent again after its answer was lost is written only
 * if its place does not hold it yet.
 */
export function chunkBody(n: string, chunk: Uint8Array, at: number, size: number): string {
  const store = at === 0 ? `S.write(n,d,0,${size})` : `(S.read(n,${at},d.length)===d||S.write(n,d,${at}))`;
  return (
    `var S=require("Storage"),n=${n},d=atob("${base64(chunk)}");` +
    `return ${store}?E.CRC32(S.read(n,${at},d.length))>>>0:false`
  );
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
