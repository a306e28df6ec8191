// `mote train` and `mote eval --data` on the command line: what they write and print,
// and how they refuse bad data (exit 1, naming file, line and column) or bad flags (2).
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { readMote } from '../../src/format/reader.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-train-'));
const data = path.join(dir, 'points.csv');
const model = path.join(dir, 'points.mote');

beforeAll(() => {
  // Two classes split by the sign of x + y, on a scale far from 1 (normalisation matters).
  const rows = ['x,y,side'];
  for (let i = 0; i < 200; i++) {
    const x = ((i * 37) % 101) - 50;
    const y = ((i * 53) % 97) - 48;
    rows.push(`${x * 100},${y * 100},${x + y > 0 ? 'above' : 'below'}`);
  }
  writeFileSync(data, rows.join('\n') + '\n');
});

describe('mote train', () => {
  it('trains, stores class names and normalisation, and reports through the runtime', async () => {
    const r = await main([
      'train',
      '--data',
      data,
      '--label',
      'side',
      '--epochs',
      '40',
      '--patience',
      '40',
      '--seed',
      '2',
      '-o',
      model,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(''); // no progress bar under --json
    const report = JSON.parse(r.out);
    expect(report.arch).toBe('mlp');
    expect(report.split).toEqual({ train: 160, validation: 40, seed: 2 });
    expect(report.history).toHaveLength(40);
    expect(report.validation.accuracy).toBeGreaterThan(0.9);
    const g = readMote(readFileSync(model));
    expect(g.metadata.labels).toEqual(['above', 'below']);
    expect(g.metadata.normalization!.mean).toHaveLength(2);
    expect(g.metadata.normalization!.std[0]).toBeGreaterThan(100);
  });

  it('stops early and keeps the best epoch', async () => {
    const r = await main([
      'train',
      '--data',
      data,
      '--epochs',
      '200',
      '--patience',
      '2',
      '-o',
      path.join(dir, 'e.mote'),
      '--json',
    ]);
    const report = JSON.parse(r.out);
    expect(report.stoppedEarly).toBe(true);
    expect(report.epochs).toBe(report.bestEpoch + 2);
    const best = report.history[report.bestEpoch - 1].valLoss;
    for (const h of report.history) expect(h.valLoss).toBeGreaterThanOrEqual(best);
  });

  it('prints the confusion table', async () => {
    const r = await main(['eval', model, '--data', data, '--label', 'side']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/class\s+samples\s+accuracy\s+→above\s+→below/);
    expect(r.out).toMatch(/^above\s+\d+\s+\d+\.\d\d%/m);
  });

  it('eval reports how often each exit of an early-exit model was taken', async () => {
    const r = await main(['eval', 'models/deep-exits/deep-exits.mote', '--limit', '200', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.exitRates.length).toBeGreaterThan(1);
    expect(out.exitRates.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9);
    // Some inputs leave early: the mean MACs of the class report are below the full count.
    expect(out.exitRates[out.exitRates.length - 1]).toBeLessThan(1);
    const text = await main(['eval', 'models/deep-exits/deep-exits.mote', '--limit', '200']);
    expect(text.out).toMatch(/left at: exit 0 \d+\.\d\d%/);
  });

  it('refuses data the model does not know, and bad files, naming the place (exit 1)', async () => {
    const other = path.join(dir, 'other.csv');
    writeFileSync(other, 'x,y,side\n1,2,above\n3,4,sideways\n');
    const r = await main(['eval', model, '--data', other, '--label', 'side']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /other\.csv: line 3, column 3 \('side'\): label 'sideways' is not one the model knows \('above', 'below'\)/,
    );
    const holes = path.join(dir, 'holes.csv');
    writeFileSync(holes, 'x,y,side\n1,2,above\n3,NA,below\n');
    const h = await main(['train', '--data', holes, '-o', path.join(dir, 'h.mote')]);
    expect(h.code).toBe(1);
    expect(h.err).toMatch(/holes\.csv: line 3, column 2 \('y'\): missing value \('NA'\)/);
    expect(existsSync(path.join(dir, 'h.mote'))).toBe(false);
  });

  it('command-line mistakes are exit 2', async () => {
    for (const argv of [
      ['train', '--data', data],
      ['train', '-o', model],
      ['train', '--data', data, '-o', model, '--val', '1.5'],
      ['train', '--data', data, '-o', model, '--stride', '2'],
      ['train', '--data', data, '-o', model, '--arch', 'conv2d'],
      ['eval', model, '--label', 'side'],
      ['eval', model, '--data', data, '--dataset', 'digits-test'],
      ['train', '--data', 'x.npy', '-o', model],
      ['train', '--data', data, '--data-labels', 'y.npy', '-o', model],
      ['train', '--data', 'x.npz', '--window', '4', '-o', model],
    ]) {
      const r = await main(argv);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(2);
    }
  });
});
