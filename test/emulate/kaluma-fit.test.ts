// `mote fit --target kaluma-pico` on Kaluma's own engine (JerryScript 2.4 as Kaluma 1.2.1
// builds it for the Pico, 180 KB heap, targets/engines/jerryscript.ts): the model's own bundle
// evaluated, the model read with fs.readFile, loaded and run there; the heap it needs, the
// heap left, a refusal or a fatal out-of-memory meaning it does not fit, emulator time.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTarget } from '../../targets/index.js';
import { ROOT } from '../../src/build/paths.js';
import { load } from '../../src/runtime/model.js';
import { fitOnJerry, jerryHeapKB, type KalumaFitReport } from '../../src/emulate/jerryscript.js';
import { fitCommand } from '../../src/cli/fit.js';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/usage.js';
import { activationHeavyModel, digitsModel, smallModel } from './models.js';

const kaluma = getTarget('kaluma-pico');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-kaluma-fit-'));

function file(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

describe('kaluma-pico fit on JerryScript', () => {
  it('is the one target measured on JerryScript, at its 180 KB heap', () => {
    expect(jerryHeapKB(kaluma)).toBe(180);
    expect(jerryHeapKB(getTarget('quickjs-watch'))).toBeUndefined();
    expect(jerryHeapKB(getTarget('banglejs2'))).toBeUndefined();
  });

  it('the digits MLP fits: heap needed, heap left and emulator time measured there', async () => {
    const bytes = await digitsModel();
    const r = fitOnJerry(bytes, kaluma);
    expect(r.ok).toBe(true);
    expect(r.failure).toBeNull();
    expect(r).toMatchObject({ target: 'kaluma-pico', plan: 'stream' });
    expect(r.engine).toMatch(
      /^JerryScript 2\.4\.0 .* as Kaluma 1\.2\.1 for the Pico, heap 180 KB \(emulated\)$/,
    );
    const h = r.heap;
    expect(h.size).toBeGreaterThan(180 * 1024 - 4096);
    expect(h.size).toBeLessThanOrEqual(180 * 1024);
    expect(h.runtime).toBeGreaterThan(0);
    expect(h.freeForModel).toBe(h.size - h.atStart - h.runtime!);
    // The file's bytes are read into the heap and held by the model.
    expect(h.model).toBeGreaterThan(bytes.length);
    expect(h.peak).toBeGreaterThanOrEqual(h.model!);
    expect(h.peak).toBeLessThan(h.freeForModel!);
    expect(h.freeAfterRun).toBe(h.freeForModel! - h.model! - h.run!);
    expect(h.freeAfterRun).toBeGreaterThan(0);
    // The runtime's own plan, as the engine computed it, is the host's.
    expect(r.runtimeMemory).toEqual(load(bytes).memory);
    expect(r.flash).toMatchObject({ modelBytes: bytes.length, ok: true });
    expect(r.time!.measuredOnDevice).toBe(false);
    expect(r.time!.runs).toBeGreaterThanOrEqual(3);
    expect(r.time!.emulatorMs).toBeGreaterThanOrEqual(0);
    expect(r.time!.basis).toMatch(/NOT the Pico's time/);
    expect(r.summary).toMatch(
      /^fits kaluma-pico: needs .* of heap .*per inference in the emulator \(not the Pico's time\)$/,
    );
  });

  it("a model whose activations exceed the heap is refused by the runtime's check: does not fit, exit code 1", async () => {
    const big = activationHeavyModel();
    const r = fitOnJerry(big, kaluma);
    expect(r.ok).toBe(false);
    expect(r.time).toBeNull();
    expect(r.failure).toMatchObject({ stage: 'load', kind: 'refused' });
    expect(r.failure!.neededBytes).toBeGreaterThan(240000);
    expect(r.failure!.freeBytes).toBeLessThan(r.failure!.neededBytes!);
    expect(r.failure!.message).toMatch(
      /needs about \d+ bytes of heap \(240000 bytes of buffers\), and \d+ are free/,
    );
    expect(r.summary).toMatch(
      /^does not fit kaluma-pico: reading the file and loading the model on JerryScript/,
    );

    const f = file('too-big.mote', big);
    const out = await main(['fit', f, '--target', 'kaluma-pico']);
    expect(out.code).toBe(1);
    expect(out.err).toMatch(/^mote: does not fit kaluma-pico: /);
    expect(out.out).toMatch(/heap .* FAIL .*refused by the runtime's memory check/);
  });

  it('a model file larger than the heap runs JerryScript out of memory (fatal): does not fit', () => {
    const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'models/deep-exits/deep-exits.mote')));
    const r = fitOnJerry(bytes, kaluma);
    expect(r.ok).toBe(false);
    expect(r.failure).toMatchObject({ stage: 'load', kind: 'out-of-memory' });
    expect(r.failure!.message).toMatch(/JerryScript fatal: out of memory/);
    expect(r.summary).toMatch(/^does not fit kaluma-pico: .*out of memory/);
  });

  it('--json: the report as measured; --runs and --plan stream|cache apply, --plan install does not', async () => {
    const f = file('digits.mote', await digitsModel());
    const res = await fitCommand(f, 'kaluma-pico', undefined, true, { runs: 4 });
    expect(res.ok).toBe(true);
    const r = JSON.parse(res.out) as KalumaFitReport;
    expect(Object.keys(r).sort()).toEqual(
      [
        'target',
        'title',
        'engine',
        'plan',
        'macs',
        'flash',
        'heap',
        'runtimeMemory',
        'loadMs',
        'time',
        'failure',
        'ok',
        'summary',
        'notes',
      ].sort(),
    );
    expect(r.plan).toBe('stream');
    expect(r.time!.runs).toBeGreaterThanOrEqual(4);
    expect(Object.keys(r.heap).sort()).toEqual(
      ['size', 'atStart', 'runtime', 'freeForModel', 'model', 'run', 'peak', 'freeAfterRun'].sort(),
    );
    expect(Object.keys(r.flash).sort()).toEqual(
      ['runtimeBytes', 'modelBytes', 'neededBytes', 'budgetBytes', 'ok'].sort(),
    );
    // Plan 'cache' decodes every weight at load: the digits MLP's 213 KB do not fit the heap.
    const cache = JSON.parse((await fitCommand(f, 'kaluma-pico', 'cache', true)).out) as KalumaFitReport;
    expect(cache).toMatchObject({ plan: 'cache', ok: false, failure: { stage: 'load', kind: 'refused' } });
    // A small model fits either way, holding more with 'cache'.
    const s = file('small.mote', smallModel());
    const [sc, ss] = await Promise.all(
      ['cache', 'stream'].map(async (p) => JSON.parse((await fitCommand(s, 'kaluma-pico', p, true)).out)),
    );
    expect([sc.ok, ss.ok]).toEqual([true, true]);
    expect(sc.heap.model).toBeGreaterThan(ss.heap.model);
    await expect(fitCommand(f, 'kaluma-pico', 'install', false)).rejects.toThrow(UsageError);

    const text = await fitCommand(f, 'kaluma-pico', undefined, false);
    expect(text.out).toMatch(/EMULATOR TIME IS NOT THE PICO'S/);
    expect(text.out).toMatch(/measured on its engine: JerryScript 2\.4\.0/);
  });
});
