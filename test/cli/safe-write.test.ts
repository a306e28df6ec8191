// `mote compile -o X` replaces X atomically only when X is a regular file (or new); a FIFO,
// a device node, a directory or a symlink is never silently replaced by a regular file.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeFileAtomic } from '../../src/io/atomic.js';

const MODEL = 'models/digits-mlp/model.json';
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-write-'));
const compile = (out: string) => main(['compile', MODEL, '-o', out, '--cluster', '3']);
const noTemporaries = () => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

function readAll(fifo: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(fifo)
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

describe('safe writes', () => {
  it('a FIFO with a reader gets the model written through it and stays a FIFO', async () => {
    const fifo = path.join(dir, 'pipe.mote');
    execFileSync('mkfifo', [fifo]);
    const received = readAll(fifo);
    const r = await compile(fifo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const bytes = await received;
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('MOTE');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a FIFO nobody reads is refused (exit 1), not replaced, and nothing hangs', async () => {
    const fifo = path.join(dir, 'unread.mote');
    execFileSync('mkfifo', [fifo]);
    const r = await compile(fifo);
    expect(r).toMatchObject({
      code: 1,
      err: expect.stringMatching(/unread\.mote: it is a FIFO and nothing is reading it/),
    });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    noTemporaries();
  });

  it('/dev/full: the disk-full error is named and the device node stays', async () => {
    const r = await compile('/dev/full');
    expect(r).toMatchObject({
      code: 1,
      err: expect.stringMatching(/cannot write \/dev\/full: no space left/),
    });
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('a directory is refused', async () => {
    const sub = path.join(dir, 'folder.mote');
    mkdirSync(sub);
    const r = await compile(sub);
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/folder\.mote: it is a directory/) });
    expect(statSync(sub).isDirectory()).toBe(true);
  });

  it('a symlink is followed: its target is replaced, the link stays a link', async () => {
    const real = path.join(dir, 'real.mote');
    const link = path.join(dir, 'link.mote');
    writeFileSync(real, 'previous');
    symlinkSync('real.mote', link);
    const r = await compile(link);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.mote');
    expect(readFileSync(real).subarray(0, 4).toString()).toBe('MOTE');
    noTemporaries();
  });

  it('a replaced regular file keeps its permissions', async () => {
    const file = path.join(dir, 'mode.mote');
    writeFileSync(file, 'previous');
    chmodSync(file, 0o640);
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('a write that runs out of room (a file-size limit) leaves the old file and no temporary', () => {
    const file = path.join(dir, 'keep.mote');
    writeFileSync(file, 'previous');
    // `ulimit -f 4` lets this process write 4 KB per file: the model does not fit, as on a full disk.
    const cli = `${process.execPath} --import tsx src/cli/bin.ts compile ${MODEL} -o ${file}`;
    const r = spawnSync('bash', ['-c', `ulimit -f 4; exec ${cli}`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /cannot write .*keep\.mote: file too large .*previous .*keep\.mote is unchanged/,
    );
    expect(readFileSync(file, 'utf8')).toBe('previous');
    noTemporaries();
  });

  it('a missing folder is named, exit 1', async () => {
    const r = await compile(path.join(dir, 'no-such-folder', 'm.mote'));
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/m\.mote: its folder does not exist/) });
  });
});
