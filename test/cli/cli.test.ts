// The `mote` command: output, --json, exit codes, and atomic compile.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadDigits } from '../../src/data/digits.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-cli-'));
const compressed = path.join(dir, 'digits.mote');
const MODEL = 'models/digits-mlp/model.json';

beforeAll(async () => {
  const r = await main([
    'compile',
    MODEL,
    '-o',
    compressed,
    '--prune',
    '0.5',
    '--cluster',
    '4',
    '--gap-bits',
    '3',
    '--labels',
    'zero,one,two,three,four,five,six,seven,eight,nine',
  ]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});

describe('mote CLI', () => {
  it('inspect shows Huffman-coded tensors and the ratio against float32', async () => {
    const r = await main(['inspect', compressed]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /dense_1\.weight\s+64x784\s+sparse\/\d+\s+idx huffman [\d.]+b, gaps huffman [\d.]+b/,
    );
    expect(r.out).toMatch(/ratio [\d.]+x against float32/);
    const json = JSON.parse((await main(['inspect', compressed, '--json'])).out);
    expect(json.tensors[0].indices.coding).toBe('huffman');
    expect(json.ratio).toBeGreaterThan(8);
    expect(json.fileBytes).toBe(readFileSync(compressed).length);
  });

  it('run prints the class and outputs for one or several samples', async () => {
    const test = loadDigits('test');
    const samples = [0, 1].map((i) => Array.from(test.features.subarray(i * 784, (i + 1) * 784)));
    const input = path.join(dir, 'input.json');
    writeFileSync(input, JSON.stringify(samples));
    const r = await main(['run', compressed, '--input', input, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.results).toHaveLength(2);
    expect(out.results[0].outputs[0]).toHaveLength(10);
    expect(out.results.map((x: { label: number }) => x.label)).toEqual([test.labels[0], test.labels[1]]);
    expect(out.results[0].labelName).toBe(
      ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][test.labels[0]],
    );
    writeFileSync(input, JSON.stringify(samples[0]));
    expect((await main(['run', compressed, '--input', input])).out).toMatch(
      /^sample 0: class \d '\w+'; output \[/,
    );
  });

  it('eval reports accuracy on the held-out digits', async () => {
    const r = await main(['eval', compressed, '--limit', '200', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.count).toBe(200);
    expect(out.accuracy).toBeGreaterThan(0.85);
  });

  it('exit code 2 for a bad command line, 1 for a bad file, with clear messages', async () => {
    expect(await main(['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown command 'frobnicate'/),
    });
    expect(await main(['inspect'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/inspect needs a \.mote file/),
    });
    expect(await main(['compile', MODEL, '-o', path.join(dir, 'x.mote'), '--cluster', '12'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--cluster must be a number in \[1, 8\]/),
    });
    expect(await main(['inspect', path.join(dir, 'missing.mote')])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/ENOENT|no such file/),
    });
    const bad = path.join(dir, 'bad.mote');
    const bytes = readFileSync(compressed);
    bytes[100] ^= 0xff;
    writeFileSync(bad, bytes);
    expect(await main(['inspect', bad])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^mote: trailer at byte \d+: CRC-32 mismatch/),
    });
    expect((await main(['--help'])).out).toMatch(/usage: mote <command>/);
    expect((await main(['run', '--help'])).out).toMatch(/--input/);
  });

  it('a failed compile leaves the previous output untouched and no temporary files', async () => {
    const out = path.join(dir, 'keep.mote');
    writeFileSync(out, 'previous');
    const badModel = path.join(dir, 'model.json');
    writeFileSync(
      badModel,
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          class_name: 'Sequential',
          config: { layers: [{ class_name: 'Conv2D', config: { name: 'conv' } }] },
        },
        weightsManifest: [],
      }),
    );
    const r = await main(['compile', badModel, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/conv.*Conv2D/);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the mote executable runs and sets its exit code', async () => {
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'inspect', compressed]);
    expect(ok.stdout).toMatch(/against float32/);
    await expect(
      exec(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'inspect', path.join(dir, 'nope.mote')]),
    ).rejects.toMatchObject({ code: 1 });
    expect(existsSync(compressed)).toBe(true);
  });
});
