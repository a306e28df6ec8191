// `mote fit --max-ms/--max-vars/--max-bytes/--max-heap`: a build gates on the exit code:
// 1 with a message naming the figure, the budget and the target when over, 0 within.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeMote } from '../../src/format/writer.js';
import { mlp } from '../helpers/graphs.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-fit-budget-'));
const file = path.join(dir, 'small.mote');
writeFileSync(file, writeMote(mlp([16, 8, 4], 3)));

describe('mote fit with budgets', () => {
  it('on the Bangle.js 2 firmware: over --max-ms exits 1 naming it, within exits 0', async () => {
    const over = await main(['fit', file, '--target', 'banglejs2', '--max-ms', '0.001', '--runs', '1']);
    expect(over.code).toBe(1);
    expect(over.err).toMatch(
      /over budget on banglejs2: time per inference on the watch .* > --max-ms 0\.001/,
    );
    expect(over.out).toMatch(/budget --max-ms 0\.001: .* OVER/);
    const within = await main(['fit', file, '--target', 'banglejs2', '--max-ms', '1e9', '--runs', '1']);
    expect(within.code).toBe(0);
    expect(within.out).toMatch(/budget --max-ms 1000000000: [\d.]+ ms, .*: within/);
  });

  it('on the Bangle.js 2 firmware: --max-vars and --max-bytes, in --json too', async () => {
    const r = await main(['fit', file, '--max-vars', '1', '--max-bytes', '1e9', '--runs', '1', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/variables the model needs .* > --max-vars 1$/);
    const report = JSON.parse(r.out) as {
      ok: boolean;
      budget: { flag: string; ok: boolean; value: number }[];
    };
    expect(report.ok).toBe(false);
    expect(report.budget.map((b) => [b.flag, b.ok])).toEqual([
      ['--max-vars', false],
      ['--max-bytes', true],
    ]);
    expect(report.budget[0].value).toBeGreaterThan(1);
  });

  it('on a target priced by its cost model: flash and RAM budgets', async () => {
    expect((await main(['fit', file, '--target', 'quickjs-watch', '--max-bytes', '100'])).code).toBe(1);
    const ok = await main([
      'fit',
      file,
      '--target',
      'quickjs-watch',
      '--max-bytes',
      '1e7',
      '--max-heap',
      '1e7',
    ]);
    expect(ok.code).toBe(0);
  });

  it('a budget on a figure the target does not measure, or a bad number, is a usage error', async () => {
    const r = await main(['fit', file, '--target', 'kaluma-pico', '--max-vars', '10']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--max-vars does not apply to kaluma-pico: its fit measures --max-ms, --max-heap, --max-bytes/,
    );
    expect((await main(['fit', file, '--max-ms', 'soon'])).code).toBe(2);
  });
});
