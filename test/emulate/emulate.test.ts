// `emulate` and `mote emulate`: the shipped bundle in the target's emulator engine, with
// per-layer counts and times, and clear errors for models that do not fit.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emulate, OutOfBudgetError } from '../../src/emulate/emulate.js';
import { fmtBytes } from '../../src/emulate/common.js';
import { estimateOps, estimateTotals } from '../../src/emulate/estimate.js';
import { load, run } from '../../src/runtime/model.js';
import { emulateCommand } from '../../src/cli/emulate.js';
import { loadDigits } from '../../src/data/digits.js';
import { mulberry32 } from '../../src/data/prng.js';
import { getTarget } from '../../targets/index.js';
import { codebookModel, digitsModel, smallModel } from './models.js';

// The library's QuickJS stand-in for Bangle.js 2; `mote emulate --target banglejs2` runs the
// firmware instead (firmware.test.ts), so the command is tested here on a QuickJS target.
const bangle = getTarget('banglejs2');
const qjsWatch = getTarget('quickjs-watch');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-emulate-'));

function samples(n: number, size: number): number[][] {
  const rand = mulberry32(3);
  return Array.from({ length: n }, () => Array.from({ length: size }, () => rand() * 2 - 1));
}

describe('emulate', () => {
  it('runs the small model in QuickJS as banglejs2: outputs, layers, MACs, memory', async () => {
    const bytes = smallModel();
    const xs = samples(3, 32);
    const r = await emulate(bytes, bangle, xs, { plan: 'stream' });
    const host = load(bytes, { plan: 'stream' });
    expect(r).toMatchObject({ target: 'banglejs2', engine: 'QuickJS', plan: 'stream' });
    expect(r.samples).toHaveLength(3);
    xs.forEach((x, i) => {
      const want = run(host, x);
      expect(r.samples[i].label).toBe(want.label);
      expect(r.samples[i].exit).toBe('none');
      r.samples[i].outputs.forEach((v, j) => expect(v).toBeCloseTo(want.outputs[0][j], 6));
    });
    const profile = run(host, xs[0], { profile: true }).profile!;
    expect(r.layers.map((l) => [l.name, l.op, l.kernel, l.macs, l.bits, l.elements])).toEqual(
      profile.map((p) => [p.name, p.op, p.kernel, p.macs, p.bits, p.elements]),
    );
    expect(r.layers.map((l) => l.weight)).toEqual(['fc0.weight', undefined, 'fc1.weight', undefined]);
    expect(r.macs).toBe(host.macs);
    expect(r.layers.reduce((a, l) => a + l.macs, 0)).toBe(host.macs);
    expect(r.bits).toBe(profile.reduce((a, p) => a + p.bits, 0));
    expect(r.bits).toBeGreaterThan(0);
    expect(r.memory.runtimePeakBytes).toBe(host.memory.peak);
    expect(r.memory).toMatchObject({
      activations: host.memory.activations,
      resident: host.memory.resident,
      scratch: host.memory.scratch,
      budgetBytes: bangle.ramForModelBytes,
      engineHeapLimitBytes: bangle.emulatorMemoryBytes,
    });
    expect(r.memory.engineHeapPeakBytes).toBeGreaterThan(0);
    expect(r.memory.engineHeapPeakBytes).toBeLessThanOrEqual(bangle.emulatorMemoryBytes);
    expect(r.measuredMs).toBeGreaterThanOrEqual(0);
    const est = estimateOps(profile, bangle.cost);
    expect(r.layers.map((l) => l.estimatedMs)).toEqual(est.map((e) => e.estimatedMs));
    expect(r.estimatedMs).toBeCloseTo(estimateTotals(est).estimatedMs, 9);
  });

  it('runs in Duktape and in Node as those targets, with the same counts', async () => {
    const bytes = smallModel();
    const [x] = samples(1, 32);
    const want = run(load(bytes), x);
    for (const name of ['duktape', 'node']) {
      const target = getTarget(name);
      const r = await emulate(bytes, target, [x], { plan: 'cache' });
      expect(r.engine).toBe(name === 'node' ? 'Node' : 'Duktape');
      expect(r.samples[0].label).toBe(want.label);
      expect(r.macs).toBe(want.macs);
      expect(r.memory.runtimePeakBytes).toBe(load(bytes, { plan: 'cache' }).memory.peak);
      expect(r.layers.every((l) => l.kernel !== 'dense-decode')).toBe(true);
      expect(r.bits).toBe(0);
    }
  });

  it('runs the compressed digits model as banglejs2 on held-out digits', async () => {
    const bytes = await digitsModel();
    const test = loadDigits('test');
    const xs = [0, 1, 2, 3].map((i) => test.features.subarray(i * 784, (i + 1) * 784));
    const r = await emulate(bytes, bangle, xs, {});
    const host = load(bytes);
    expect(r.samples.map((s) => s.label)).toEqual(xs.map((x) => run(host, x).label));
    expect(r.samples[0].labelName).toBe(String(r.samples[0].label));
    expect(r.layers).toHaveLength(6);
    expect(r.macs).toBe(784 * 64 + 64 * 32 + 32 * 10);
    expect(r.memory.runtimePeakBytes).toBe(host.memory.peak);
  });

  it('a model over the RAM budget fails with the runtime\'s "over the limit", as out of budget', async () => {
    // 128 KB of weights decoded into RAM in plan 'cache' (the file itself is 12 KB).
    const bytes = codebookModel(256, 128);
    const err = await emulate(bytes, bangle, [], { plan: 'cache' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfBudgetError);
    expect((err as Error).message).toMatch(
      /^mote: does not fit banglejs2 \(emulated in QuickJS\): RAM needs 12\d\.\d KB > budget 96\.0 KB \(the runtime: needs \d+ bytes of RAM \(activations \d+, weights 131072, scratch 0\), over the limit of 98304\)$/,
    );
    // The same model streams in a few KB.
    await expect(emulate(bytes, bangle, [], { plan: 'stream' })).resolves.toBeDefined();
  });

  it("a model bigger than the engine's heap fails with the engine's out of memory", async () => {
    const bytes = codebookModel(784, 1024);
    await expect(emulate(bytes, bangle, [], { plan: 'stream' })).rejects.toThrow(
      new RegExp(
        `^mote: does not fit banglejs2 \\(emulated in QuickJS\\): the engine's heap is over its limit of ${esc(fmtBytes(bangle.emulatorMemoryBytes))} \\(QuickJS: out of memory`,
      ),
    );
  });

  it('rejects inputs of the wrong size before running', async () => {
    await expect(emulate(smallModel(), bangle, [[1, 2, 3]], {})).rejects.toThrow(
      /sample 0 has 3 values; the model's input takes 32/,
    );
  });
});

describe('mote emulate on a QuickJS target', () => {
  it('prints outputs, a per-layer table with totals, memory and time', async () => {
    const file = path.join(dir, 'small.mote');
    const input = path.join(dir, 'x.json');
    writeFileSync(file, smallModel());
    writeFileSync(input, JSON.stringify(samples(2, 32)));
    const out = await emulateCommand(file, 'quickjs-watch', input, 'stream', false, {});
    expect(out).toMatch(/^.*small\.mote emulated as quickjs-watch .* in QuickJS, plan 'stream'$/m);
    expect(out).toMatch(/^sample 0: class \d; exit none; output \[/m);
    expect(out).toMatch(/^sample 1: class \d; exit none; output \[/m);
    expect(out).toMatch(
      /^layer\s+op\s+kernel\s+weights\s+MACs\s+bits\s+elements\s+ms \(\w+\)\s+ms \(device est\.\)$/m,
    );
    expect(out).toMatch(/^fc0\s+dense\s+dense-decode\s+fc0\.weight\s+512\s+\d+\s+16\s+[\d.]+\s+[\d.]+$/m);
    expect(out).toMatch(/^fc0\.relu\s+relu\s+relu\s+-\s+0\s+0\s+16\s/m);
    expect(out).toMatch(/^fc1\.softmax\s+softmax\s+softmax\s+-\s+0\s+0\s+4\s/m);
    expect(out).toMatch(/^total\s+576\s+\d+\s+40\s+[\d.]+\s+[\d.]+$/m);
    expect(out).toMatch(
      new RegExp(
        `^memory: runtime peak [\\d.]+ (KB|B) of ${esc(fmtBytes(qjsWatch.ramForModelBytes))} .*; QuickJS heap peak [\\d.]+ KB of ${esc(fmtBytes(qjsWatch.emulatorMemoryBytes))}$`,
        'm',
      ),
    );
    expect(out).toMatch(
      /^time per inference: [\d.]+ ms measured in QuickJS; ~[\d.]+ ms estimated on quickjs-watch; 576 MACs, \d+ decoded bits$/m,
    );
  });

  it('--json has the same report, rows matching the model ops', async () => {
    const file = path.join(dir, 'small.mote');
    writeFileSync(file, smallModel());
    const json = JSON.parse(await emulateCommand(file, 'quickjs-watch', undefined, undefined, true, {}));
    const host = load(smallModel());
    expect(json).toMatchObject({ target: 'quickjs-watch', plan: qjsWatch.defaultPlan, macs: host.macs });
    expect(json.layers.map((l: { name: string }) => l.name)).toEqual([
      'fc0',
      'fc0.relu',
      'fc1',
      'fc1.softmax',
    ]);
    expect(json.samples).toHaveLength(1);
    expect(json.notes.join('\n')).toMatch(/no input given: one sample of 32 zeros/);
    expect(json.memory.runtimePeakBytes).toBe(load(smallModel(), { plan: json.plan }).memory.peak);
  });

  it('a model that does not fit rejects with the out-of-budget message', async () => {
    const file = path.join(dir, 'big.mote');
    // 256 KB of weights decoded into RAM in plan 'cache' (the file itself is 24 KB).
    writeFileSync(file, codebookModel(256, 256));
    await expect(emulateCommand(file, 'quickjs-watch', undefined, 'cache', false, {})).rejects.toThrow(
      /does not fit quickjs-watch \(emulated in QuickJS\): RAM needs/,
    );
  });
});
