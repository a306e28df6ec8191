// `mote compress`: a small end-to-end run by flags and by recipe, and bad input (unknown
// layer type, shape mismatch, empty data set, recipe typo) failing clearly with no output.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { initTraining, tf } from '../../src/train/backend.js';
import { saveLayersModel } from '../../src/train/save.js';
import { someDigits } from '../helpers/tiny-data.js';
import { npyBytes } from '../helpers/npy.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-compress-'));
const at = (f: string) => path.join(dir, f);

beforeAll(async () => {
  await initTraining();
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      inputShape: [784],
      units: 16,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 10,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  await saveLayersModel(m, at('mlp'));
  const bn = tf.sequential();
  bn.add(tf.layers.dense({ inputShape: [784], units: 8 }));
  bn.add(tf.layers.batchNormalization());
  bn.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  await saveLayersModel(bn, at('bn'));
  const d = someDigits(300);
  writeFileSync(at('x.npy'), npyBytes(d.features, [300, 784]));
  writeFileSync(at('y.npy'), npyBytes(d.labels, [300], '|u1'));
  mkdirSync(at('short'), { recursive: true });
  writeFileSync(at('short/model.json'), readFileSync(at('mlp/model.json')));
  writeFileSync(at('short/weights.bin'), readFileSync(at('mlp/weights.bin')).subarray(0, 4000));
  writeFileSync(at('narrow.csv'), '1,2,3,0\n4,5,6,1\n');
  writeFileSync(at('empty.csv'), 'a,b,label\n');
  writeFileSync(
    at('recipe.json'),
    JSON.stringify({
      name: 'tiny',
      train: { batchSize: 32, learningRate: 0.001 },
      stages: [
        { prune: { sparsity: { dense_Dense1: 0.8 }, steps: 2, epochs: 1 } },
        { cluster: { bits: 4, epochs: 1, learningRate: 0.0001 } },
      ],
      encode: { biases: 'int8' },
    }),
  );
  writeFileSync(at('typo.json'), JSON.stringify({ name: 't', stages: [{ prune: { sparsty: 0.5 } }] }));
});

const data = () => ['--data', at('x.npy'), '--data-labels', at('y.npy')];

describe('mote compress', () => {
  it('compresses by flags, prints a per-stage report and writes the .mote and JSON report', async () => {
    const out = at('flags.mote');
    const r = await main([
      'compress',
      at('mlp/model.json'),
      '-o',
      out,
      '--prune',
      '0.7',
      '--prune-steps',
      '1',
      '--epochs',
      '1',
      '--cluster',
      '3',
      ...data(),
      '--eval',
      'digits-test',
      '--report',
      at('r.json'),
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^float\s+\d+\s+[\d.]+x\s+[\d.]+%/m);
    expect(r.out).toMatch(/^cluster\s+\d+/m);
    expect(r.out).toMatch(/dense_Dense\d\.weight\s+\[16,784\]\s+sparse\s+70\.0%\s+\d+/);
    const report = JSON.parse(readFileSync(at('r.json'), 'utf8'));
    expect(report.stages.map((s: { stage: string }) => s.stage)).toEqual(['float', 'prune', 'cluster']);
    expect(report.stages[2].fileBytes).toBe(readFileSync(out).length);
    expect(report.stages[2].ratio).toBeGreaterThan(10);
  }, 60_000);

  it('runs a recipe', async () => {
    const out = at('recipe.mote');
    const r = await main([
      'compress',
      at('mlp/model.json'),
      '-o',
      out,
      '--recipe',
      at('recipe.json'),
      ...data(),
      '--json',
    ]);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out);
    expect(report.recipe).toBe('tiny');
    expect(report.stages[1].layers[0].sparsity).toBeCloseTo(0.8, 2);
    expect(existsSync(out)).toBe(true);
  }, 60_000);

  const bad: [string, string[], RegExp][] = [
    [
      'an unknown layer type',
      [at('bn/model.json'), '--prune', '0.5', ...data()],
      /layer 'batch_normalization\w*': unknown layer type 'BatchNormalization'/,
    ],
    [
      'weights that do not match the model',
      [at('short/model.json'), '--prune', '0.5', ...data()],
      /short\/model\.json: weight 'dense_Dense\d+\/kernel' \[784,16\] needs bytes 0\.\.50176 of the weight files \(weights\.bin\), which hold 4000 bytes/,
    ],
    [
      'data of the wrong shape',
      [at('mlp/model.json'), '--prune', '0.5', '--data', at('narrow.csv')],
      /samples have 3 features, the model's input needs 784/,
    ],
    [
      'an empty data set',
      [at('mlp/model.json'), '--prune', '0.5', '--data', at('empty.csv')],
      /empty\.csv: the file holds only a header line \(a, b, label\), no rows/,
    ],
    [
      'a recipe typo',
      [at('mlp/model.json'), '--recipe', at('typo.json'), ...data()],
      /recipe .*typo\.json stages\[0\]\.prune: unknown key 'sparsty' \(did you mean 'sparsity'\?\)/,
    ],
  ];
  for (const [what, args, message] of bad)
    it(`refuses ${what} with a clear error and writes nothing`, async () => {
      const out = at(`bad-${what.replace(/\W/g, '-')}.mote`);
      const r = await main(['compress', args[0], '-o', out, ...args.slice(1), '--eval', 'none']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
});
