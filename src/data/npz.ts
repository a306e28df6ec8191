// NumPy .npz archives (np.savez, np.savez_compressed): a zip of .npy members, stored or
// deflated. Read with Node's zlib; zip64 size fields (NumPy writes them) are understood.
import { inflateRawSync } from 'node:zlib';
import { parseNpy, type NpyArray } from './npy.js';
import { crc32 } from '../runtime/crc32.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Every array in the archive, by member name without '.npy'. */
export function parseNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  const fail = (problem: string): never => {
    throw new Error(`mote: ${file}: ${problem}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--)
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) fail('not a .npz file (no zip directory)');
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      fail(`zip directory entry ${e} is damaged (at byte ${at})`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // Zip64: 0xffffffff fields are in the 0x0001 extra block, in this order.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 1) {
        let p = x + 4;
        const next = () => Number(view.getBigUint64((p += 8) - 8, true));
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL)
      fail(`member '${name}': local header damaged (at byte ${local})`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > bytes.length) fail(`member '${name}' runs past the end of the file`);
    const raw = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (err) {
        return fail(`member '${name}': bad deflate data (${(err as Error).message})`);
      }
    } else return fail(`member '${name}': compression method ${method} is not supported (stored or deflate)`);
    if (data.length !== size)
      fail(`member '${name}': ${data.length} bytes after inflating, the directory says ${size}`);
    if (crc32(data, 0, data.length) >>> 0 !== crc) fail(`member '${name}': checksum mismatch (damaged file)`);
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(data, `${file}[${name}]`));
  }
  if (out.size === 0) fail('the archive holds no .npy arrays');
  return out;
}
