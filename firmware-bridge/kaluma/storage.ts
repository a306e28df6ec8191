// Kaluma's file system (LittleFS mounted at "/", the `fs` module of kalumajs.org/docs/api/fs)
// through its REPL. Kaluma has no E.CRC32, so the CRC-32 is computed on the device by a
// few lines of mote's own code over the file, read back in 256-byte blocks with readSync.
// Kaluma's REPL keeps each line in a 1,024-byte buffer (KALUMA_REPL_BUFFER_SIZE), so a
// line carries at most 384 bytes of data (512 base64 characters plus the code around it).
// Every request here may run twice (a chunk is written at its offset), so each goes as a
// checked line (espruino/repl.ts, checkedLine; the CRC-32 there is a few lines of JS, as
// Kaluma has no E.CRC32) and is sent again alone when the link garbles it or its answer.
import type { DeviceStorage, StoredFile } from '../storage.js';
import { DeviceError, type EspruinoRepl } from '../espruino/repl.js';
import { base64 } from '../espruino/storage.js';
import { bytesFromBase64 } from '../dialect.js';
import { checkName } from '../names.js';

const MAX_CHUNK = 384;

export class KalumaStorage implements DeviceStorage {
  readonly kind = 'Kaluma fs';
  readonly maxNameLength = 28;
  readonly chunkBytes: number;

  constructor(
    private readonly repl: EspruinoRepl,
    opts: { chunkBytes?: number } = {},
  ) {
    this.chunkBytes = Math.min(MAX_CHUNK, opts.chunkBytes ?? MAX_CHUNK);
  }

  async list(prefix: string): Promise<string[]> {
    const v = await this.repl.call('return require("fs").readdirSync("/")', 'listing the file system', {
      idempotent: true,
    });
    if (!Array.isArray(v))
      throw new DeviceError(
        this.repl.link.name,
        'listing the file system',
        'readdirSync did not return an array',
      );
    return v.map(String).filter((n) => n.startsWith(prefix));
  }

  async check(name: string, tail = 0): Promise<StoredFile | null> {
    // One pass; the register's last `tail` + 1 values are kept (h) for the CRC of the body.
    const v = await this.repl.call(
      `var fs=require("fs"),p=${this.path(name)};if(!fs.existsSync(p))return null;` +
        `var t=${tail},h=[],fd=fs.openSync(p,"r"),b=new Uint8Array(256),c=-1,n,i,k,z=0;` +
        'while((n=fs.readSync(fd,b,0,256,z))>0){for(i=0;i<n;i++){if(t)h[(z+i)%(t+1)]=c;c^=b[i];for(k=0;k<8;k++)c=c&1?(c>>>1)^0xEDB88320:c>>>1}z+=n}' +
        'fs.closeSync(fd);return [z,(c^-1)>>>0,t>0&&z>t?(h[(z-t)%(t+1)]^-1)>>>0:null]',
      `checking ${name}`,
      { idempotent: true },
    );
    if (v === null) return null;
    if (!Array.isArray(v))
      throw new DeviceError(
        this.repl.link.name,
        `checking ${name}`,
        `unexpected answer ${JSON.stringify(v)}`,
        'protocol',
      );
    return { size: Number(v[0]), crc: Number(v[1]), ...(typeof v[2] === 'number' ? { bodyCrc: v[2] } : {}) };
  }

  async write(name: string, bytes: Uint8Array, onProgress?: (sent: number) => void): Promise<void> {
    const p = this.path(name);
    for (let at = 0; at < bytes.length; at += this.chunkBytes) {
      const data = bytesFromBase64(this.repl, base64(bytes.subarray(at, at + this.chunkBytes)));
      // The first chunk creates (or truncates) the file; later ones are written at their offset.
      const body =
        at === 0
          ? `require("fs").writeFileSync(${p},${data});return 1`
          : `var fs=require("fs"),d=${data},fd=fs.openSync(${p},"r+");fs.writeSync(fd,d,0,d.length,${at});fs.closeSync(fd);return 1`;
      const k = at / this.chunkBytes + 1;
      const chunks = Math.ceil(bytes.length / this.chunkBytes);
      const end = Math.min(bytes.length, at + this.chunkBytes) - 1;
      await this.repl.call(
        body,
        `writing ${name} chunk ${k} of ${chunks} (bytes ${at}-${end} of ${bytes.length})`,
        {
          idempotent: true,
        },
      );
      onProgress?.(Math.min(bytes.length, at + this.chunkBytes));
    }
  }

  async read(name: string): Promise<Uint8Array | null> {
    const v = await this.repl.call(
      `var fs=require("fs"),p=${this.path(name)};return fs.existsSync(p)?btoa(fs.readFileSync(p)):null`,
      `reading ${name}`,
      { idempotent: true },
    );
    if (v === null) return null;
    if (typeof v !== 'string')
      throw new DeviceError(this.repl.link.name, `reading ${name}`, 'expected base64 text');
    return new Uint8Array(Buffer.from(v, 'base64'));
  }

  async erase(name: string): Promise<void> {
    await this.repl.call(
      `var fs=require("fs"),p=${this.path(name)};if(fs.existsSync(p))fs.unlinkSync(p);return 1`,
      `erasing ${name}`,
      { idempotent: true },
    );
  }

  private path(name: string): string {
    return JSON.stringify(`/${checkName(name, this.maxNameLength)}`);
  }
}
