// Writes a file so that readers see either the old content or the complete new one: a
// failed compile, a full disk or a denied permission never leaves a half-written model.
// Only regular files are replaced that way. What is not a regular file is the user's plain
// request to write *into* it (a FIFO, /dev/stdout, a device node): the bytes go through it
// and the node stays. A symlink is followed: its target is replaced, the link stays.
import { constants } from 'node:fs';
import { chmod, lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';

export async function writeFileAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const target = await resolveTarget(file);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new Error(`cannot write ${file}: it is a directory`);
  if (existing && !existing.isFile()) return writeThrough(file, target, existing.isFIFO(), bytes);

  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      // On disk before the rename: a crash then leaves the old file or the whole new one.
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The replacement keeps the permissions the user gave the old file.
    if (existing) await chmod(tmp, existing.mode & 0o7777);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw explain(file, e);
  }
}

/** The path to replace: a symlink's final target (a dangling one is created), else the file. */
async function resolveTarget(file: string): Promise<string> {
  const link = await lstat(file).catch(() => undefined);
  if (!link?.isSymbolicLink()) return file;
  return realpath(file).catch(async () => {
    // A dangling link: write the file it names, as a shell redirection would.
    return path.resolve(path.dirname(file), await readlink(file));
  });
}

/** Writes into a FIFO or a device node in place, as a shell redirection would. */
async function writeThrough(file: string, target: string, fifo: boolean, bytes: Uint8Array | string) {
  // Opening a FIFO for writing blocks until someone reads it: without a reader, refuse. The
  // probe stays open until the write is done: closing it first would hand the reader an EOF.
  const probe = fifo
    ? await open(target, constants.O_WRONLY | constants.O_NONBLOCK).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'ENXIO')
          throw new Error(`cannot write ${file}: it is a FIFO and nothing is reading it`);
        throw explain(file, e);
      })
    : undefined;
  try {
    const handle = await open(target, 'w');
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw explain(file, e);
  } finally {
    await probe?.close();
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (a size limit on this process or file system)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
};

/** A write error that says which file, why, and that nothing was lost. */
function explain(file: string, e: unknown): Error {
  const code = (e as { code?: string }).code ?? '';
  const reason = REASONS[code];
  if (!reason) return e instanceof Error ? e : new Error(String(e));
  return new Error(`cannot write ${file}: ${reason} (${code}); any previous ${file} is unchanged`);
}
