// Espruino's Storage, backed by a folder: one file per name, bytes as Espruino keeps them
// (it deals in "binary strings", one char per byte). Names are hex-escaped on disk where
// they hold characters a file name cannot.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';

export class FolderStorage {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** write(name, data, offset, size) with Espruino's rules (espruino.com/Reference#l_Storage_write). */
  write(name: string, data: Buffer, offset: number | undefined, size: number | undefined): boolean {
    const file = this.file(name);
    if (offset === undefined || offset === 0) {
      // A new file, as long as `size` (unwritten bytes read as 0xFF, like erased flash).
      const total = Math.max(size ?? data.length, data.length);
      const bytes = Buffer.alloc(total, 0xff);
      data.copy(bytes, 0);
      this.replace(file, bytes);
      return true;
    }
    if (!existsSync(file))
      throw new Error(`Storage: file ${JSON.stringify(name)} does not exist to write at offset ${offset}`);
    const bytes = readFileSync(file);
    if (offset < 0 || offset + data.length > bytes.length)
      throw new Error(
        `Storage: write of ${data.length} bytes at ${offset} is past the end of ${JSON.stringify(name)} (${bytes.length} bytes)`,
      );
    data.copy(bytes, offset);
    this.replace(file, bytes);
    return true;
  }

  read(name: string): Buffer | undefined {
    const file = this.file(name);
    return existsSync(file) ? readFileSync(file) : undefined;
  }

  list(): string[] {
    return readdirSync(this.dir)
      .filter((f) => !f.startsWith('.'))
      .map((f) => decodeURIComponent(f))
      .sort();
  }

  erase(name: string): void {
    const file = this.file(name);
    if (existsSync(file)) unlinkSync(file);
  }

  private file(name: string): string {
    if (name.length === 0 || name.length > 28)
      throw new Error(`Storage: name ${JSON.stringify(name)} must be 1 to 28 characters`);
    return path.join(this.dir, encodeURIComponent(name).replace(/^\./, '%2E'));
  }

  /** Each Storage.write lands whole or not at all, as a flash page write does. */
  private replace(file: string, bytes: Buffer): void {
    const tmp = path.join(this.dir, `.tmp-${process.pid}`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  }
}
