// .npz archives written by NumPy itself (stored and deflated, with the zip64 fields NumPy
// writes) and IDX files as MNIST ships them (big-endian, raw or gzipped).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseNpz } from '../../src/data/npz.js';
import { parseIdx } from '../../src/data/idx.js';
import { loadUserData } from '../../src/data/user.js';

const fixtures = path.join(import.meta.dirname, '../fixtures/data');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-formats-'));
const x = Array.from({ length: 24 }, (_, i) => i / 4);

/** An IDX file: magic 0 0 type dims, big-endian sizes, big-endian values. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x0c: 4, 0x0d: 4 }[type]!;
  const out = new Uint8Array(4 + 4 * shape.length + values.length * size);
  const v = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s));
  const at = 4 + 4 * shape.length;
  values.forEach((n, i) => {
    if (type === 0x08) v.setUint8(at + i, n);
    else if (type === 0x0c) v.setInt32(at + i * 4, n);
    else v.setFloat32(at + i * 4, n);
  });
  return out;
}

describe('.npz', () => {
  it('reads np.savez (stored) and np.savez_compressed (deflated) archives', () => {
    for (const [file, xName, yName] of [
      ['xy.npz', 'x', 'y'],
      ['xy-compressed.npz', 'features', 'labels'],
    ]) {
      const arrays = parseNpz(readFileSync(path.join(fixtures, file)), file);
      expect(arrays.get(xName)!.shape).toEqual([4, 3, 2]);
      expect(Array.from(arrays.get(xName)!.data)).toEqual(x);
      expect(Array.from(arrays.get(yName)!.data)).toEqual([0, 2, 1, 2]);
    }
  });

  it('loads features and labels as a data set, channels on the last axis', async () => {
    const d = await loadUserData({ features: path.join(fixtures, 'xy-compressed.npz') });
    expect(d.count).toBe(4);
    expect(d.featureShape).toEqual([3, 2]);
    expect(d.channels).toBe(2);
    expect(d.classes).toBe(3);
  });

  it('names the archive and what is wrong', async () => {
    await expect(loadUserData({ features: path.join(fixtures, 'only-x.npz') })).rejects.toThrow(
      /only-x\.npz: no labels array 'y' or 'labels' or 'targets' or 'y_train' \(the archive holds x\)/,
    );
    await expect(
      loadUserData({ features: path.join(fixtures, 'xy.npz'), known: { names: ['a', 'b'] } }),
    ).rejects.toThrow(/xy\.npz\[y\]: label 1: label 2 is not one the model knows \('a', 'b'\)/);
    const bytes = readFileSync(path.join(fixtures, 'xy-compressed.npz'));
    expect(() => parseNpz(bytes.subarray(0, 200), 'cut.npz')).toThrow(/cut\.npz: not a \.npz file/);
    const broken = Uint8Array.from(bytes);
    broken[80] ^= 0xff; // inside the first member's deflate stream
    expect(() => parseNpz(broken, 'bad.npz')).toThrow(/bad\.npz: member '\w+\.npy'/);
  });
});

describe('IDX', () => {
  it('reads ubyte images and labels, raw and gzipped', async () => {
    const images = idx(0x08, [3, 2, 2], [0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const labels = idx(0x08, [3], [7, 0, 7]);
    const imgFile = path.join(dir, 'train-images-idx3-ubyte.gz');
    const lblFile = path.join(dir, 'train-labels-idx1-ubyte');
    writeFileSync(imgFile, gzipSync(images));
    writeFileSync(lblFile, labels);
    const d = await loadUserData({ features: imgFile, labels: lblFile });
    expect(d.count).toBe(3);
    expect(d.featureShape).toEqual([2, 2]);
    expect(d.channels).toBe(1);
    expect(d.classes).toBe(8);
    expect(Array.from(d.features.subarray(0, 4))).toEqual([0, 255, 1, 2]);
    expect(Array.from(parseIdx(idx(0x0d, [2], [1.5, -2]), 'f.idx').data)).toEqual([1.5, -2]);
    expect(Array.from(parseIdx(idx(0x0c, [1], [-70000]), 'i.idx').data)).toEqual([-70000]);
  });

  it('names the file and the problem', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'x-ubyte')).toThrow(/x-ubyte: not an IDX file/);
    expect(() => parseIdx(idx(0x08, [2, 2], [1, 2, 3]), 'short-ubyte')).toThrow(
      /short-ubyte: shape \[2,2\] needs 4 bytes of data, the file has 3/,
    );
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 0, 0]), 'z.gz')).toThrow(/z\.gz: bad gzip data/);
  });
});
