import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseNpy } from '../../src/data/npy.js';
import { loadUserData, parseCsvDataset } from '../../src/data/user.js';
import { npyBytes } from '../helpers/npy.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-data-'));

describe('user data: .npy', () => {
  it('reads float32, float64, uint8 and int32 arrays with their shapes', () => {
    for (const d of ['<f4', '<f8', '|u1', '<i4'] as const) {
      const a = parseNpy(npyBytes([1, 2, 3, 4, 5, 6], [2, 3], d), 'x.npy');
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('names the file and the problem for bad input', () => {
    expect(() => parseNpy(new Uint8Array(20), 'bad.npy')).toThrow(/bad\.npy: not a \.npy file/);
    const short = npyBytes([1, 2, 3], [2, 3]);
    expect(() => parseNpy(short, 's.npy')).toThrow(/s\.npy: shape \[2,3\] of '<f4' needs 24 bytes/);
  });

  it('loads features + labels and checks they agree', async () => {
    writeFileSync(path.join(dir, 'x.npy'), npyBytes([0, 1, 1, 0, 1, 1], [3, 2]));
    writeFileSync(path.join(dir, 'y.npy'), npyBytes([0, 1, 2], [3], '|u1'));
    writeFileSync(path.join(dir, 'y2.npy'), npyBytes([0, 1], [2], '|u1'));
    const d = await loadUserData({ features: path.join(dir, 'x.npy'), labels: path.join(dir, 'y.npy') });
    expect(d.count).toBe(3);
    expect(d.classes).toBe(3);
    expect(d.featureShape).toEqual([2]);
    await expect(
      loadUserData({ features: path.join(dir, 'x.npy'), labels: path.join(dir, 'y2.npy') }),
    ).rejects.toThrow(/y2\.npy: labels must have shape \[3\]/);
  });
});

describe('user data: CSV', () => {
  it('takes the last column (or a named one) as the label, with or without a header', () => {
    const d = parseCsvDataset('a,b,label\n0.5,1,2\n1.5,-1,0\n', 'd.csv');
    expect(Array.from(d.features)).toEqual([0.5, 1, 1.5, -1]);
    expect(Array.from(d.labels)).toEqual([2, 0]);
    const e = parseCsvDataset('label,a\n1,3\n0,4\n', 'e.csv', { label: 'label' });
    expect(Array.from(e.features)).toEqual([3, 4]);
    expect(Array.from(e.labels)).toEqual([1, 0]);
  });

  it('refuses empty files, ragged rows, text cells and non-integer labels, naming line and column', () => {
    expect(() => parseCsvDataset('\n\n', 'empty.csv')).toThrow(/empty\.csv: the file is empty/);
    expect(() => parseCsvDataset('a,b\n', 'header-only.csv')).toThrow(/only a header line/);
    expect(() => parseCsvDataset('1,2,0\n1,2\n', 'r.csv')).toThrow(
      /r\.csv: line 2 has 2 columns, expected 3/,
    );
    expect(() => parseCsvDataset('1,2,0\n1,x,1\n', 't.csv')).toThrow(/line 2, column 2: 'x' is not a number/);
    expect(() => parseCsvDataset('1,2,0.5\n', 'l.csv')).toThrow(
      /l\.csv: line 1, column 3: label 0\.5 is not a class index/,
    );
  });
});
