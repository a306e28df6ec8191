// Writes a file so that readers see either the old content or the complete new one:
// a failed compile never leaves a half-written model behind.
import { rename, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export async function writeFileAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
