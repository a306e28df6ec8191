// `mote fit` and `mote emulate` on the watch's own firmware (Espruino 2v29.74 for Bangle.js 2
// and 1, compiled to JS): the model written to Storage, loaded by name and run there; the
// variables, the fit verdict (a refusal or an out-of-memory in the device's own words) and the
// outputs come from the firmware. Each board is booted once for the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFirmware, type Firmware } from '../../targets/engines/firmware.js';
import { getTarget } from '../../targets/index.js';
import { ROOT } from '../../src/build/paths.js';
import { load, run } from '../../src/runtime/model.js';
import { mulberry32 } from '../../src/data/prng.js';
import {
  classify,
  deviceMessage,
  DeviceFitError,
  emulateOnFirmware,
  firmwareBoard,
  fitOnFirmware,
  WATCH_FACTOR,
} from '../../src/emulate/firmware.js';
import { fitCommand } from '../../src/cli/fit.js';
import { emulateCommand } from '../../src/cli/emulate.js';
import { UsageError } from '../../src/cli/usage.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import { codebookModel, float32Model, smallModel } from './models.js';

const bangle2 = getTarget('banglejs2');
const bangle1 = getTarget('banglejs1');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-firmware-'));
const lenet = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote')));
let fw2: Firmware;
let fw1: Firmware;

beforeAll(async () => {
  [fw2, fw1] = await Promise.all([bootFirmware('banglejs2'), bootFirmware('banglejs1')]);
});
afterAll(() => {
  fw2?.close();
  fw1?.close();
});

function samples(n: number, size: number): number[][] {
  const rand = mulberry32(5);
  return Array.from({ length: n }, () => Array.from({ length: size }, () => rand() * 2 - 1));
}

function file(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

describe('the firmware targets', () => {
  it('are the two Bangle.js watches; the others keep their QuickJS-class emulators', () => {
    expect(firmwareBoard(bangle2)).toBe('banglejs2');
    expect(firmwareBoard(bangle1)).toBe('banglejs1');
    expect(firmwareBoard(getTarget('puckjs'))).toBeUndefined();
    expect(firmwareBoard(getTarget('quickjs-watch'))).toBeUndefined();
  });
});

describe('fit on the firmware', () => {
  it('a small model fits Bangle.js 2: variables, Storage and time measured there', async () => {
    const bytes = smallModel();
    const r = await fitOnFirmware(bytes, bangle2, { firmware: fw2 });
    expect(r.ok).toBe(true);
    expect(r.failure).toBeNull();
    expect(r).toMatchObject({ target: 'banglejs2', board: 'banglejs2', plan: 'flash' });
    expect(r.firmware).toMatch(/^Espruino 2v29\.74 \(Bangle\.js 2 firmware, emulated\)$/);
    const v = r.variables;
    expect(v).toMatchObject({ total: 12000, blocksize: 14 });
    expect(v.runtime).toBeGreaterThan(0);
    expect(v.freeForModel).toBe(v.freeAtStart - v.runtime!);
    expect(v.model).toBeGreaterThan(0);
    expect(v.needed).toBe(v.model! + v.run!);
    expect(v.needed).toBeGreaterThan(0);
    expect(v.freeAfterRun).toBe(v.freeForModel! - v.model! - v.input! - v.run!);
    // The runtime's own plan for a model loaded by name, as the device computed it.
    expect(r.runtimeMemory!.peak).toBeGreaterThan(0);
    // The runtime for this model alone (mote bundle), as mote flash installs it.
    expect(r.storage.runtimeBytes).toBe(Buffer.byteLength(runtimeFor(bytes, bangle2)));
    expect(r.storage.modelBytes).toBe(bytes.length);
    expect(r.storage.deviceFormBytes).toBeGreaterThan(0); // 3-bit clusters: decoded on the host
    expect(r.storage.totalBytes).toBe(8 * 1024 * 1024);
    // Emulator time, and the watch estimate that is plainly an assumption.
    const t = r.time!;
    expect(t.runs).toBeGreaterThanOrEqual(3);
    expect(t.emulatorMs).toBeGreaterThanOrEqual(0);
    expect(t.factor).toBe(WATCH_FACTOR);
    expect(t.watchEstimateMs).toBeCloseTo(t.emulatorMs * WATCH_FACTOR, 9);
    expect(t.measuredOnWatch).toBe(false);
    expect(t.watchEstimate).toMatch(/ASSUMED ratio .* not measured on a watch/);
    expect(r.summary).toMatch(
      /^fits banglejs2: needs [\d,]+ vars \([\d.]+ (KB|B)\) of [\d,]+ free after the runtime/,
    );
  });

  it('lenet-300-100 fits Bangle.js 2', async () => {
    const r = await fitOnFirmware(lenet, bangle2, { firmware: fw2, runs: 1 });
    expect(r.ok).toBe(true);
    expect(r.variables.model).toBeGreaterThan(1000);
    expect(r.time!.emulatorMs).toBeGreaterThan(0);
  });

  it("a float32 784×300 layer does not fit Bangle.js 1: the runtime's refusal, in its words", async () => {
    const r = await fitOnFirmware(float32Model(784, 300), bangle1, { firmware: fw1 });
    expect(r.ok).toBe(false);
    expect(r.time).toBeNull();
    expect(r.variables).toMatchObject({ total: 2500, blocksize: 13 });
    expect(r.failure).toMatchObject({ stage: 'load', kind: 'refused' });
    expect(r.failure!.message).toMatch(
      /^Uncaught Error: mote: model at byte 0: needs about \d+ variables of 13 bytes \(\d+ bytes of buffers\), and \d+ are free$/,
    );
    expect(r.failure!.neededVars).toBeGreaterThan(r.failure!.freeVars!);
    expect(r.summary).toBe(
      `does not fit banglejs1: loading the model by name on the firmware: ${r.failure!.message}`,
    );
  });

  it('lenet-300-100 does not fit Bangle.js 1: refused while loading, as the firmware says', async () => {
    const r = await fitOnFirmware(lenet, bangle1, { firmware: fw1 });
    expect(r.ok).toBe(false);
    expect(r.failure!.stage).toBe('load');
    expect(r.failure!.message).toMatch(/too big for this device|needs about \d+ variables/);
    expect(r.summary).toMatch(/^does not fit banglejs1: loading the model by name on the firmware: /);
  });

  it('a latency budget under the watch estimate fails the fit', async () => {
    const r = await fitOnFirmware(smallModel(), bangle2, {
      firmware: fw2,
      latencyBudgetMs: 1e-6,
    });
    expect(r.ok).toBe(false);
    expect(r.failure).toBeNull();
    expect(r.summary).toMatch(
      /^does not fit banglejs2: latency ~[\d.]+ (ms|s) on the watch \(assumed ×30\) > budget/,
    );
  });
});

describe('mote fit on a firmware target', () => {
  it('prints what was measured and says the watch time is an assumption; --json too', async () => {
    const f = file('small.mote', smallModel());
    const r = await fitCommand(f, 'banglejs2', undefined, false, { firmware: fw2 });
    expect(r.ok).toBe(true);
    expect(r.out).toMatch(
      /^measured on its firmware: Espruino 2v29\.74 \(Bangle\.js 2 firmware, emulated\)/m,
    );
    expect(r.out).toMatch(
      /^Storage\s+[\d.]+ KB\s+8\.00 MB\s+pass\s+runtime [\d.]+ KB \+ model [\d.]+ (KB|B)/m,
    );
    expect(r.out).toMatch(
      /^variables\s+[\d,]+ vars \([\d.]+ (KB|B)\)\s+[\d,]+ vars \([\d.]+ KB\)\s+pass\s+load [\d,]+ \+ run/m,
    );
    expect(r.out).toMatch(
      /^time\s+~[\d.]+ (ms|s) on the watch\s+-\s+info\s+ESTIMATE: [\d.]+ (ms|s) in the emulator × 30 \(assumed\)/m,
    );
    expect(r.out).toMatch(
      /^time: EMULATOR TIME IS NOT WATCH TIME\. .* is emulator time × 30, an ASSUMED ratio/m,
    );
    expect(r.out.trimEnd().split('\n').pop()).toBe(r.summary);
    const json = JSON.parse((await fitCommand(f, 'banglejs2', undefined, true, { firmware: fw2 })).out);
    expect(json).toMatchObject({ target: 'banglejs2', plan: 'flash', ok: true, failure: null });
    expect(json.time).toMatchObject({ factor: 30, measuredOnWatch: false });
    expect(json.time.watchEstimate).toMatch(/ASSUMED/);
    expect(json.variables.needed).toBeGreaterThan(0);
  });

  it('a model that does not fit: ok false, the FAIL row and the firmware output', async () => {
    const f = file('f32.mote', float32Model(784, 300));
    const r = await fitCommand(f, 'banglejs1', undefined, false, { firmware: fw1 });
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(
      /^variables\s+~[\d,]+ vars \([\d.]+ KB\)\s+[\d,]+ vars \([\d.]+ KB\)\s+FAIL\s+refused by the runtime's memory check while loading the model by name$/m,
    );
    expect(r.out).toMatch(
      /^the firmware printed \(loading the model by name\):\n {2}Uncaught Error: mote: model at byte 0: needs about/m,
    );
    expect(r.summary).toMatch(/^does not fit banglejs1: .*needs about \d+ variables/);
  });

  it('rejects --plan for a firmware target, and --runs for the others', async () => {
    const f = file('small.mote', smallModel());
    await expect(fitCommand(f, 'banglejs2', 'cache', false, { firmware: fw2 })).rejects.toThrow(UsageError);
    await expect(fitCommand(f, 'quickjs-watch', undefined, false, { runs: 3 })).rejects.toThrow(
      /--runs applies to the targets fit measures on their firmware/,
    );
  });
});

describe('emulate on the firmware', () => {
  /** The device's outputs are the Node runtime's, within 1e-5, with the same labels. */
  function expectNode(bytes: Uint8Array, xs: number[][], got: { outputs: number[]; label: number }[]): void {
    const m = load(bytes);
    expect(got).toHaveLength(xs.length);
    xs.forEach((x, i) => {
      const want = run(m, x);
      expect(got[i].label).toBe(want.label);
      expect(got[i].outputs).toHaveLength(want.outputs[0].length);
      got[i].outputs.forEach((v, k) => expect(Math.abs(v - want.outputs[0][k])).toBeLessThan(1e-5));
    });
  }

  it('the small model on Bangle.js 2: outputs as on Node, layers profiled there', async () => {
    const bytes = smallModel();
    const xs = samples(3, 32);
    const r = await emulateOnFirmware(bytes, bangle2, xs, { firmware: fw2 });
    expectNode(bytes, xs, r.samples);
    expect(r.samples.every((s) => s.exit === 'none')).toBe(true);
    expect(r.layers.map((l) => [l.name, l.op, l.weight])).toEqual([
      ['fc0', 'dense', 'fc0.weight'],
      ['fc0.relu', 'relu', undefined],
      ['fc1', 'dense', 'fc1.weight'],
      ['fc1.softmax', 'softmax', undefined],
    ]);
    expect(r.layers[0].kernel).toMatch(/-flash$/);
    expect(r.layers.reduce((a, l) => a + l.macs, 0)).toBe(load(bytes).macs);
    r.layers.forEach((l) => expect(l.watchEstimateMs).toBeCloseTo(l.emulatorMs * WATCH_FACTOR, 9));
    expect(r.time!.runs).toBe(3);
    expect(r.variables.needed).toBeGreaterThan(0);
  });

  it('float32 and fixed-width codebook models on Bangle.js 2, and float32 on Bangle.js 1', async () => {
    for (const [bytes, size] of [
      [float32Model(64, 16), 64],
      [codebookModel(48, 10), 48],
    ] as const) {
      const xs = samples(2, size);
      expectNode(bytes, xs, (await emulateOnFirmware(bytes, bangle2, xs, { firmware: fw2 })).samples);
    }
    const bytes = float32Model(64, 16);
    const xs = samples(2, 64);
    expectNode(bytes, xs, (await emulateOnFirmware(bytes, bangle1, xs, { firmware: fw1 })).samples);
  });

  it('lenet-300-100 on Bangle.js 2 gives Node outputs', async () => {
    const xs = samples(2, 784).map((x) => x.map((v) => (v + 1) / 2));
    const r = await emulateOnFirmware(lenet, bangle2, xs, { firmware: fw2 });
    expectNode(lenet, xs, r.samples);
  });

  it("a model that does not fit Bangle.js 1 throws with the firmware's message", async () => {
    const err = await emulateOnFirmware(float32Model(784, 300), bangle1, [], {
      firmware: fw1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceFitError);
    expect((err as Error).message).toMatch(
      /^mote: does not fit banglejs1 \(on its firmware, Espruino 2v29\.74 \(Bangle\.js 1 firmware, emulated\)\): loading the model by name: Uncaught Error: mote: model at byte 0: needs about \d+ variables/,
    );
  });

  it('rejects inputs of the wrong size before booting anything', async () => {
    await expect(emulateOnFirmware(smallModel(), bangle2, [[1, 2, 3]], {})).rejects.toThrow(
      /sample 0 has 3 values; the model's input takes 32/,
    );
  });
});

describe('mote emulate on a firmware target', () => {
  it('prints outputs, a per-layer table in emulator and assumed watch ms, memory and time', async () => {
    const f = file('small.mote', smallModel());
    const input = path.join(dir, 'x.json');
    writeFileSync(input, JSON.stringify(samples(2, 32)));
    const out = await emulateCommand(f, 'banglejs2', input, undefined, false, {
      firmware: fw2,
    });
    expect(out).toMatch(/small\.mote emulated as banglejs2 /);
    expect(out).toMatch(/^measured on its firmware: Espruino 2v29\.74/m);
    expect(out).toMatch(/^sample 0: class \d; exit none; output \[/m);
    expect(out).toMatch(/^sample 1: class \d; exit none; output \[/m);
    expect(out).toMatch(
      /^layer\s+op\s+kernel\s+weights\s+MACs\s+bits\s+elements\s+ms \(emulator\)\s+ms \(watch, assumed\)$/m,
    );
    expect(out).toMatch(/^fc0\s+dense\s+dense-\S*flash\s+fc0\.weight\s+512\s/m);
    expect(out).toMatch(/^total\s+576\s/m);
    expect(out).toMatch(/^memory: the model needs [\d,]+ vars/m);
    expect(out).toMatch(/^time: EMULATOR TIME IS NOT WATCH TIME\./m);
    const json = JSON.parse(
      await emulateCommand(f, 'banglejs2', undefined, undefined, true, { firmware: fw2 }),
    );
    expect(json).toMatchObject({ target: 'banglejs2', plan: 'flash' });
    expect(json.samples).toHaveLength(1);
    expect(json.notes.join('\n')).toMatch(/no input given: one sample of 32 zeros/);
    expect(json.time.measuredOnWatch).toBe(false);
  });

  it('rejects --plan for a firmware target', async () => {
    const f = file('small.mote', smallModel());
    await expect(
      emulateCommand(f, 'banglejs2', undefined, 'stream', false, { firmware: fw2 }),
    ).rejects.toThrow(/--plan does not apply to banglejs2/);
  });
});

describe('the firmware messages', () => {
  it('keeps the message lines of an out-of-memory and drops the trace', () => {
    const text = [
      'OUT OF MEMORY    at Re (:1:1)',
      '...);var v=new Uint16Array(256),l=0,d=0;for(i=1;i<=8;i++){for(v...',
      '                              ^',
      '    at load (:1:1)',
      '...ry{return gn(e.view,n||{},e)}finally{Rr(null)}',
      '                              ^',
      'Execution Interrupted',
      'New interpreter error: LOW_MEMORY,MEMORY',
    ].join('\n');
    expect(deviceMessage(text)).toBe(
      'OUT OF MEMORY; Execution Interrupted; New interpreter error: LOW_MEMORY,MEMORY',
    );
    expect(classify('load', text)).toMatchObject({ kind: 'out-of-memory', stage: 'load' });
    const refused = [
      'Uncaught Error: mote: model at byte 0: needs about 997 variables of 13 bytes (11808 bytes of buffers), and 582 are free',
      '    at h (mote.js:2:91)',
      'throw new Error("mote: "+r+" at byte "+n+": "+e)',
      '                                                 ^',
    ].join('\n');
    expect(classify('load', refused)).toMatchObject({ kind: 'refused', neededVars: 997, freeVars: 582 });
    expect(classify('load', 'Uncaught Error: mote: model.mote at byte 12: bad magic')).toBeNull();
  });
});
