// `mote exits add`: heads after chosen or automatically chosen layers, trained on a frozen
// backbone (compressed weights kept as they were), thresholds calibrated for a target loss.
// Small: the bundled digits MLP, 500 digits as a CSV, 2 epochs.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { readMote } from '../../src/format/reader.js';
import { loadDigits } from '../../src/data/digits.js';
import { chooseExits, headFor } from '../../src/exits/add.js';
import { mlp } from '../helpers/graphs.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-exits-add-'));
const model = path.join(dir, 'digits.mote');
const csv = path.join(dir, 'digits.csv');
const out = path.join(dir, 'with-exits.mote');

beforeAll(async () => {
  const r = await main(['compile', 'models/digits-mlp/model.json', '-o', model, '--cluster', '4']);
  expect(r.code).toBe(0);
  const d = loadDigits('train');
  const rows: string[] = [];
  for (let i = 0; i < 500; i++)
    rows.push(
      [...d.features.subarray(i * 784, (i + 1) * 784)].map((v) => +v.toFixed(3)).join(',') +
        `,${d.labels[i]}`,
    );
  writeFileSync(csv, rows.join('\n') + '\n');
});

describe('mote exits add', () => {
  it('adds a head, keeps the compressed backbone, meets the loss target on held-out data', async () => {
    const r = await main([
      'exits',
      'add',
      model,
      '--data',
      csv,
      '--after',
      'dense_1.relu',
      '-o',
      out,
      '--max-loss',
      '1',
      '--epochs',
      '8',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      trainCount: number;
      heldOutCount: number;
      exits: { after: string; threshold: number; accuracy: number; leaving: number }[];
      calibration: { accuracy: number; fullAccuracy: number; meanMacs: number; fullMacs: number };
    };
    expect([report.trainCount, report.heldOutCount]).toEqual([400, 100]);
    expect(report.exits.map((x) => x.after)).toEqual(['dense_1.relu']);
    const c = report.calibration;
    expect(c.accuracy).toBeGreaterThanOrEqual(c.fullAccuracy - 0.01 - 1e-9);
    expect(c.meanMacs).toBeLessThanOrEqual(c.fullMacs + 640);
    // The head learnt something: far above chance (10%) on the held-out digits.
    expect(report.exits[0].accuracy).toBeGreaterThan(0.5);

    const before = readMote(readFileSync(model));
    const after = readMote(readFileSync(out));
    expect(after.exits).toHaveLength(1);
    expect(after.exits![0].threshold).toBeCloseTo(report.exits[0].threshold, 5);
    for (const t of before.tensors)
      expect(after.tensors.find((x) => x.name === t.name)?.encoding, t.name).toEqual(t.encoding);
    expect(after.tensors.filter((t) => t.name.startsWith('exit0.')).map((t) => t.encoding.kind)).toEqual([
      'float32',
      'float32',
    ]);

    // The runtime measures it.
    const measured = await main(['exits', out, '--dataset', 'digits-test', '--json']);
    expect(measured.code).toBe(0);
  });

  it('prints the per-exit table and draws no bar when stderr is not a terminal', async () => {
    const r = await main([
      'exits',
      'add',
      model,
      '--data',
      csv,
      '--after',
      'dense_2.relu',
      '-o',
      out,
      '--epochs',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exit 0 +dense_2\.relu +[\d,]+ +[\d.]+% +(never|[\d.]+) +[\d.]+%/);
    expect(r.out).toMatch(/^end +\(the model\) +52,544/m);
    expect(r.err).toBe('');
  });

  it('the automatic choice: an activation near a third of the MACs, or a clear refusal', async () => {
    // 784-8-128-128-10: fc0 is 25% of the MACs, fc1 29%, fc2 95%.
    expect(chooseExits(mlp([784, 8, 128, 128, 10], 1))).toEqual(['fc1.relu']);
    // The digits MLP's first layer is 95% of its MACs: no exit would save much.
    const r = await main(['exits', 'add', model, '--data', csv, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /no layer computes less than 80% of the model's MACs.*--after \(candidates: dense_1\.relu 95%, dense_2\.relu 99%\)/,
    );
    const bad = await main(['exits', 'add', model, '--data', csv, '-o', out, '--after', 'conv9']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /no value named 'conv9' \(layers an exit can follow: dense_1\.relu, dense_2\.relu\)/,
    );
  });

  it('heads: a pool on feature maps, a hidden layer on wide inputs', () => {
    const g = mlp([784, 300, 10], 2);
    expect(headFor(g, 'fc0.relu')).toEqual({ after: 'fc0.relu', pool: undefined, hidden: 32 });
    g.values.push({ name: 'map', shape: [8, 8, 8] });
    expect(headFor(g, 'map')).toEqual({ after: 'map', pool: 2, hidden: undefined });
  });

  it('usage: -o is needed; add-only flags are refused on the measuring form', async () => {
    expect((await main(['exits', 'add', model, '--data', csv])).code).toBe(2);
    expect((await main(['exits', 'add'])).code).toBe(2);
    const r = await main(['exits', model, '--max-loss', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--max-loss is for 'mote exits add'/);
  });
});
