// `checkFit` and `mote fit`: flash, RAM and latency checks against a target, with
// suggestions derived from the model when a check fails.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkFit } from '../../src/emulate/fit.js';
import { estimateOps, estimateTotals } from '../../src/emulate/estimate.js';
import { load, run } from '../../src/runtime/model.js';
import { fitCommand } from '../../src/cli/fit.js';
import { UsageError } from '../../src/cli/usage.js';
import { getTarget } from '../../targets/index.js';
import type { CostModel, Target } from '../../targets/target.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { codebookModel, digitsModel, float32Model, smallModel } from './models.js';

// checkFit's static check with banglejs2's descriptor; `mote fit --target banglejs2` measures
// on the firmware instead (firmware.test.ts), so the command is tested here on a QuickJS target.
const bangle = getTarget('banglejs2');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-fit-'));
let bundleSource = '';

beforeAll(async () => {
  bundleSource = await runtimeBundle();
});

/** banglejs2 with a cost model where stream decoding dominates, or costs nothing. */
function withCost(usPerDecodedBit: number): Target {
  const cost: CostModel = {
    usPerMac: { dense: 0.1, 'dense-decode': 0.1, 'dense-sparse': 0.1 },
    usPerDecodedBit,
    usPerElement: 0.1,
    usPerOp: 1,
    source: 'test',
  };
  return { ...bangle, cost };
}

describe('checkFit', () => {
  it('passes a small model on banglejs2, with the runtime as the device would plan it', () => {
    const bytes = smallModel();
    for (const plan of ['stream', 'cache'] as const) {
      const r = checkFit(bytes, bangle, plan, { bundleSource });
      expect(r.ok).toBe(true);
      expect(r.plan).toBe(plan);
      expect(r.summary).toMatch(
        /^fits banglejs2: flash [\d.]+ KB of 8\.00 MB, RAM [\d.]+ (KB|B) of 96\.0 KB/,
      );
      const flash = r.checks.find((c) => c.name === 'flash')!;
      expect(flash).toMatchObject({ ok: true, budget: bangle.flashBytes });
      expect(flash.needed).toBe(Buffer.byteLength(bundleSource) + bytes.length);
      const ram = r.checks.find((c) => c.name === 'ram')!;
      expect(ram).toMatchObject({ ok: true, budget: bangle.ramForModelBytes });
      expect(ram.needed).toBe(load(bytes, { plan }).memory.peak);
      expect(r.memory).toEqual(load(bytes, { plan }).memory);
      expect(r.suggestions.filter((s) => s.kind === 'fix')).toEqual([]);
    }
  });

  it("uses the target's default plan when none is given", () => {
    expect(checkFit(smallModel(), bangle, undefined, { bundleSource }).plan).toBe(bangle.defaultPlan);
  });

  it('estimates latency from the profiled counts and the cost model', () => {
    const bytes = smallModel();
    const target = withCost(0.05);
    const r = checkFit(bytes, target, 'stream', { bundleSource });
    const profile = run(load(bytes), new Float32Array(32), { profile: true }).profile!;
    const expected = estimateTotals(estimateOps(profile, target.cost)).estimatedMs;
    const latency = r.checks.find((c) => c.name === 'latency')!;
    expect(latency.needed).toBeCloseTo(expected, 9);
    expect(latency.ok).toBeNull();
    expect(r.ops.map((o) => o.name)).toEqual(profile.map((p) => p.name));
    expect(r.model.macs).toBe(load(bytes).macs);
  });

  it("fails RAM for a big clustered layer in plan 'cache', suggesting plan 'stream' with its RAM", () => {
    const bytes = codebookModel(784, 1024);
    const r = checkFit(bytes, bangle, 'cache', { bundleSource });
    expect(r.ok).toBe(false);
    const ram = r.checks.find((c) => c.name === 'ram')!;
    expect(ram.ok).toBe(false);
    expect(ram.needed).toBe(load(bytes, { plan: 'cache' }).memory.peak);
    expect(ram.needed).toBeGreaterThan(784 * 1024 * 4);
    expect(r.checks.find((c) => c.name === 'flash')!.ok).toBe(true);
    expect(r.summary).toBe(
      `does not fit banglejs2: RAM needs ${(ram.needed / 1024 / 1024).toFixed(2)} MB > budget 96.0 KB`,
    );
    const streamKb = (load(bytes, { plan: 'stream' }).memory.peak / 1024).toFixed(1);
    expect(r.suggestions).toContainEqual({
      check: 'ram',
      kind: 'fix',
      message: expect.stringContaining(`use plan 'stream' (RAM ${streamKb} KB)`),
    });
    expect(r.suggestions[0].message).toMatch(/the largest is 'fc0\.weight' \(3\.06 MB\)/);
    // ...and in plan 'stream' it fits.
    expect(checkFit(bytes, bangle, 'stream', { bundleSource }).ok).toBe(true);
  });

  it('fails flash for a float32 layer bigger than the flash, suggesting clustering that layer', () => {
    const bytes = float32Model(2048, 1100);
    const r = checkFit(bytes, bangle, 'stream', { bundleSource });
    expect(r.ok).toBe(false);
    const flash = r.checks.find((c) => c.name === 'flash')!;
    expect(flash).toMatchObject({ ok: false, parts: { model: bytes.length } });
    expect(r.summary).toMatch(/^does not fit banglejs2: flash needs 8\.\d\d MB > budget 8\.00 MB$/);
    const fix = r.suggestions.find((s) => s.check === 'flash')!;
    expect(fix.message).toMatch(
      /^cluster layer 'fc0\.weight' to 8 bits \(~2\.15 MB instead of 8\.59 MB as float32/,
    );
  });

  it('names the widest value when activations push RAM over', () => {
    const bytes = float32Model(30000, 10);
    const r = checkFit(bytes, bangle, 'stream', { bundleSource });
    expect(r.checks.find((c) => c.name === 'ram')!.ok).toBe(false);
    expect(r.suggestions.map((s) => s.message).join('\n')).toMatch(
      /activations take .* the largest is the input 'x' \(30000 values, 117\.2 KB\)/,
    );
  });

  it("suggests plan 'install' when decoding dominates the estimate, and fails a latency budget", () => {
    const bytes = smallModel();
    const slowDecode = checkFit(bytes, withCost(1), 'stream', { bundleSource });
    expect(slowDecode.ok).toBe(true);
    expect(slowDecode.suggestions).toContainEqual({
      check: 'latency',
      kind: 'tip',
      message: expect.stringMatching(
        /decoding weight streams takes .* \(\d+%, most in 'fc0'\): use plan 'install'/,
      ),
    });
    const cheapDecode = checkFit(bytes, withCost(0), 'stream', { bundleSource });
    expect(cheapDecode.suggestions.some((s) => /install/.test(s.message))).toBe(false);

    const budget = checkFit(bytes, withCost(1), 'stream', { bundleSource, latencyBudgetMs: 0.001 });
    expect(budget.ok).toBe(false);
    expect(budget.summary).toMatch(/^does not fit banglejs2: latency needs [\d.]+ ms > budget 0\.001 ms/);
    expect(budget.suggestions.find((s) => s.check === 'latency')!.kind).toBe('fix');
  });

  it("plan 'install' counts the installed form in flash when it is available", () => {
    const bytes = smallModel();
    const installForm = (b: Uint8Array) => new Uint8Array(b.length * 2);
    const r = checkFit(bytes, bangle, 'install', { bundleSource, installForm });
    expect(r.plan).toBe('install');
    expect(r.model.flashBytes).toBe(bytes.length * 2);
    expect(r.checks[0].parts.model).toBe(bytes.length * 2);
    const without = checkFit(bytes, bangle, 'install', { bundleSource });
    expect(without.model.flashBytes).toBe(bytes.length);
    expect(without.notes.join('\n')).toMatch(/installed form is not available/);
  });

  it('passes the compressed digits model on banglejs2', async () => {
    const bytes = await digitsModel();
    const r = checkFit(bytes, bangle, 'stream', { bundleSource });
    expect(r.ok).toBe(true);
    expect(r.model.macs).toBe(784 * 64 + 64 * 32 + 32 * 10);
    expect(r.ops.map((o) => o.name)).toEqual([
      'dense_1',
      'dense_1.relu',
      'dense_2',
      'dense_2.relu',
      'dense_3',
      'dense_3.softmax',
    ]);
  });
});

describe('mote fit on a QuickJS target', () => {
  it('prints a table of checks and a verdict; --json has the same report', async () => {
    const file = path.join(dir, 'small.mote');
    writeFileSync(file, smallModel());
    const r = await fitCommand(file, 'quickjs-watch', undefined, false, { bundleSource });
    expect(r.ok).toBe(true);
    expect(r.out).toMatch(/^check\s+needed\s+budget\s+result/m);
    expect(r.out).toMatch(/^flash\s+[\d.]+ KB\s+1\.00 MB\s+pass\s+runtime [\d.]+ KB \+ model/m);
    expect(r.out).toMatch(/^RAM\s+.*\s+192\.0 KB\s+pass\s+activations/m);
    expect(r.out.trimEnd().split('\n').pop()).toBe(r.summary);
    const json = JSON.parse((await fitCommand(file, 'quickjs-watch', 'cache', true, { bundleSource })).out);
    expect(json).toMatchObject({ target: 'quickjs-watch', plan: 'cache', ok: true });
    expect(json.checks.map((c: { name: string }) => c.name)).toEqual(['flash', 'ram', 'latency']);
  });

  it('a model that does not fit: ok false, FAIL row, reason and suggestion', async () => {
    const file = path.join(dir, 'big.mote');
    writeFileSync(file, codebookModel(784, 1024));
    const r = await fitCommand(file, 'quickjs-watch', 'cache', false, { bundleSource });
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^does not fit quickjs-watch: RAM needs 3\.\d\d MB > budget 192\.0 KB$/);
    expect(r.out).toMatch(/^RAM\s+3\.\d\d MB\s+192\.0 KB\s+FAIL/m);
    expect(r.out).toMatch(/^suggestions:\n {2}- RAM: use plan 'stream' \(RAM [\d.]+ KB\)/m);
    const json = JSON.parse((await fitCommand(file, 'quickjs-watch', 'cache', true, { bundleSource })).out);
    expect(json.ok).toBe(false);
  });

  it('rejects an unknown target or plan as a command-line error', async () => {
    const file = path.join(dir, 'small.mote');
    writeFileSync(file, smallModel());
    await expect(fitCommand(file, 'pdp11', undefined, false, { bundleSource })).rejects.toThrow(UsageError);
    await expect(fitCommand(file, 'quickjs-watch', 'lazy', false, { bundleSource })).rejects.toThrow(
      /--plan must be one of stream, cache, install, got 'lazy'/,
    );
  });
});
