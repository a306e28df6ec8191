// An honest bridge (issue 13, item 6), end to end against the emulated Bangle.js 2 through
// `serialport` on a pseudo-terminal: the device's own errors instead of timeouts, a clean
// REPL line before every command, leftover output ignored, load and run times scaled to the
// work, and the CRC-32s a flash prints and records being the ones the device computes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { RUNTIME_BUNDLE } from '../../src/build/paths.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { load, run } from '../../src/runtime/model.js';
import { getTarget } from '../../targets/index.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import type { EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { openSession, type Session, type SessionOptions } from '../../firmware-bridge/session.js';
import { flashModel, loadTimeout, profileOnDevice, runOnDevice } from '../../firmware-bridge/operations.js';
import { readInstalled, hex } from '../../firmware-bridge/flash/atomic.js';
import { DeviceError } from '../../firmware-bridge/espruino/repl.js';
import { loadBudget, runBudget } from '../../firmware-bridge/profile/budget.js';
import { model, sample, startDevice, target } from './fixture.js';
import { dirtyLineScript, DIRTY_LINE_OUTPUT } from './repl-script.js';

let device: EmulatedDevice;
let bundle: string;
const A = model(61);
const B = model(62);

beforeAll(async () => {
  // What mote flash installs: the runtime for these models alone (A and B share their ops).
  bundle = runtimeFor(A, target);
  // `mote flash` sends the shipped bundle, as `npm run build:runtime` writes it.
  if (!existsSync(RUNTIME_BUNDLE)) {
    mkdirSync(path.dirname(RUNTIME_BUNDLE), { recursive: true });
    await writeFileAtomic(RUNTIME_BUNDLE, bundle);
  }
  device = await startDevice();
  const s = await session();
  try {
    await flashModel(s, bundle, A);
  } finally {
    await s.close();
  }
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

function session(opts: SessionOptions = {}): Promise<Session> {
  return openSession(device.port, target, opts);
}

async function withSession<T>(opts: SessionOptions, f: (s: Session) => Promise<T>): Promise<T> {
  const s = await session(opts);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

const hostOutputs = (bytes: Uint8Array, x: number[]) => Array.from(run(load(bytes), x).outputs[0]);

/** The promise's rejection, and how long it took to come. */
async function failure(p: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (e) {
    return { error: e as Error, ms: performance.now() - t0 };
  }
  throw new Error('expected a failure');
}

describe("the device's own errors, not timeouts", () => {
  it('run: OUT OF MEMORY on the device fails at once with its lines; the next run works', async () => {
    await withSession({}, async (s) => {
      device.faults.failLine = { when: /mote\.run\(/, as: 'out-of-memory' };
      const { error, ms } = await failure(runOnDevice(s, [sample(1)]));
      expect(error).toBeInstanceOf(DeviceError);
      expect((error as DeviceError).kind).toBe('out-of-memory');
      expect(error.message).toMatch(/failed while running the model \(1 run\): the device ran out of memory/);
      expect((error as DeviceError).deviceOutput).toEqual([
        'OUT OF MEMORY',
        'Execution Interrupted',
        'New interpreter error: LOW_MEMORY,MEMORY',
      ]);
      // The run's time budget is several seconds; the error came as soon as the device said so.
      expect(ms).toBeLessThan(2000);
      const again = await runOnDevice(s, [sample(1)]);
      expect(again.results[0].outputs).toEqual(hostOutputs(A, sample(1)));
    });
  }, 30_000);

  it('profile: out of memory while loading the model, and Execution Interrupted while running', async () => {
    await withSession({}, async (s) => {
      device.faults.failLine = { when: /mote\.load\(/, as: 'out-of-memory' };
      const oom = await failure(profileOnDevice(s, target, [sample(2)], { runs: 2 }));
      expect(oom.error.message).toMatch(
        /failed while loading the model mote\.m\d+: the device ran out of memory; it printed:\n {4}OUT OF MEMORY/,
      );
      expect(oom.ms).toBeLessThan(2000);

      device.faults.failLine = { when: /mote\.run\(/, as: 'interrupted' };
      const stop = await failure(profileOnDevice(s, target, [sample(2)], { runs: 2 }));
      expect((stop.error as DeviceError).kind).toBe('interrupted');
      expect(stop.error.message).toMatch(
        /while running the model \(2 runs\): .*\n {4}Execution Interrupted$/,
      );
      const p = await profileOnDevice(s, target, [sample(2)], { runs: 2 });
      expect(p.samples[0].outputs).toEqual(hostOutputs(A, sample(2)));
    });
  }, 30_000);

  it('an uncaught error while loading the runtime comes with the line the device prints after it', async () => {
    await withSession({}, async (s) => {
      // A new runtime (its name is its CRC-32), so that the device has to load it.
      await flashModel(s, `${bundle}\n//uncaught`, A);
      device.faults.failLine = { when: /\(0,eval\)\(/, as: 'throw', message: 'boom' };
      const { error, ms } = await failure(runOnDevice(s, [sample(3)]));
      expect((error as DeviceError).kind).toBe('uncaught');
      const lines = (error as DeviceError).deviceOutput;
      expect(lines[0]).toBe('Uncaught Error: boom');
      expect(lines[1]).toMatch(/^ {4}at /);
      expect(error.message).toMatch(
        /failed while loading the runtime mote\.r[0-9a-f]{8}: .*\n {4}Uncaught Error: boom\n {4} {4}at /,
      );
      expect(ms).toBeLessThan(2000);
      // An exception inside the request's try/catch is the request's answer, as before.
      device.faults.failLine = { when: /mote\.run\(/, as: 'throw', message: 'caught' };
      await expect(runOnDevice(s, [sample(3)])).rejects.toThrow(/while running the model \(1 run\): caught$/);
      await flashModel(s, bundle, A);
    });
  }, 30_000);
});

describe('a clean REPL line before every command', () => {
  it('half a line left by an interrupted transfer does not swallow the next command (same session)', async () => {
    await withSession({ timeoutMs: 400 }, async (s) => {
      const before = await readInstalled(s.storage);
      // The device gets only the start of a write line, inside the base64 string, with a
      // bracket open. No answer comes; the chunk is sent again, onto a cleared line.
      device.faults.cutLine = { when: /S\.write\(n,d,0,/, keep: 300 };
      const r = await flashModel(s, bundle, B);
      expect(r.resent).toBe(1);
      expect(r.retries).toBe(0);
      expect(r.pointer.seq).toBe(before!.seq + 1);
      // Same session, next commands: the half line is erased before each of them.
      const out = await runOnDevice(s, [sample(4)]);
      expect(out.results[0].outputs).toEqual(hostOutputs(B, sample(4)));
    });
    // A session given a single attempt fails on the cut line, naming it; a new session (a
    // new `mote` command) then works.
    device.faults.cutLine = { when: /S\.write\(n,d,0,/, keep: 123 };
    await withSession({ timeoutMs: 400, attempts: 1 }, (s) =>
      expect(flashModel(s, bundle, A)).rejects.toThrow(
        /no answer from .* within 400 ms while writing mote\.m\d+ chunk 1 of \d+ \(bytes 0-/,
      ),
    );
    await withSession({}, async (s) => {
      const r = await flashModel(s, bundle, A);
      expect(r.retries).toBe(0);
      expect(r.resent).toBe(0);
      const out = await runOnDevice(s, [sample(4)]);
      expect(out.results[0].outputs).toEqual(hostOutputs(A, sample(4)));
    });
  }, 30_000);

  it('the emulated REPL treats a dirty line, Ctrl-C and ESC [ 2 H as Espruino does', async () => {
    expect(await dirtyLineScript(device.port)).toBe(DIRTY_LINE_OUTPUT);
  });

  it('output left from earlier lines is never taken for an answer or an error', async () => {
    const noise: string[] = [];
    await withSession({ onNoise: (t) => noise.push(t) }, async (s) => {
      // What the "ction" failure printed, arriving just before the next command runs.
      device.faults.leftoverOutput =
        'Uncaught ReferenceError: "ction" is not defined\r\n at line 1 col 6\r\n';
      const out = await runOnDevice(s, [sample(5)]);
      expect(out.results[0].outputs).toEqual(hostOutputs(A, sample(5)));
      expect(noise.join('')).toContain('"ction" is not defined');
    });
    // A request that times out while the device is still busy with it: its late output
    // must not answer the next one, which first stops it with Ctrl-C.
    await withSession({ runTimeoutMs: 300 }, async (s) => {
      device.faults.slowLine = { when: /mote\.run\(/, ms: 1500 };
      await expect(runOnDevice(s, [sample(6)])).rejects.toThrow(
        /within 300 ms while running the model \(1 run\); running was allowed 300 ms \(set by runTimeoutMs/,
      );
      const out = await runOnDevice(s, [sample(6)]);
      expect(out.results[0].outputs).toEqual(hostOutputs(A, sample(6)));
    });
  }, 30_000);
});

describe('load and run time budgets', () => {
  it('scale with the runtime, the model bytes and (for plans that decode at load) its MACs', () => {
    const t = getTarget('banglejs2');
    const lenet = { runtimeBytes: 32_558, modelBytes: 24_804, macs: 266_200, plan: 'stream' };
    const b = loadBudget(t, 5000, lenet);
    // More than the old fixed 30 s for LeNet-300-100 on Bangle.js 2, by the rule's terms.
    expect(b.ms).toBe(Math.ceil(5000 + 32_558 * 0.1 + (4 * 24_804 * t.cost.usPerMac.dense) / 1000));
    expect(b.ms).toBeGreaterThan(30_000);
    expect(b.rule).toMatch(
      /5\.0 s answer timeout \+ 32558 runtime bytes × 0\.1 ms = 3\.3 s \+ 4 × 24804 model bytes/,
    );
    expect(loadBudget(t, 5000, { ...lenet, modelBytes: 2 * 24_804 }).ms).toBeGreaterThan(b.ms);
    expect(loadBudget(t, 5000, { ...lenet, runtimeBytes: 40_610 }).ms).toBeGreaterThan(b.ms);
    // 'stream' decodes nothing at load; 'cache' decodes every weight once.
    expect(loadBudget(t, 5000, { ...lenet, macs: 10 * 266_200 }).ms).toBe(b.ms);
    const cache = loadBudget(t, 5000, { ...lenet, plan: 'cache' });
    expect(cache.ms - b.ms).toBe(Math.ceil((4 * 266_200 * t.cost.usPerMac['dense-decode']) / 1000));
    // A faster target gets less time for the same work.
    expect(loadBudget(getTarget('espruino-wifi'), 5000, lenet).ms).toBeLessThan(b.ms);
    const r = runBudget(t, 5000, 266_200, 2);
    expect(r.ms).toBe(Math.ceil(5000 + (4 * 2 * 266_200 * t.cost.usPerMac['dense-decode']) / 1000));
  });

  it('end to end: the rule for the installed model, an override that is too short, MOTE_LOAD_TIMEOUT_MS', async () => {
    await withSession({}, async (s) => {
      const p = (await readInstalled(s.storage))!;
      expect(p.model.macs).toBe(load(A).macs);
      const t = loadTimeout(s, p, 'stream');
      expect(t.timeoutMs).toBe(
        loadBudget(target, 5000, { runtimeBytes: p.runtime.size, modelBytes: p.model.size, plan: 'stream' })
          .ms,
      );
      expect(t.timeoutHint).toMatch(/by the load rule \(5\.0 s answer timeout \+ \d+ runtime bytes/);
      // A load that takes 1.2 s passes under the rule.
      await s.repl.call(`global.__moteRt=undefined;return 1`, 'forgetting the runtime');
      device.faults.slowLine = { when: /mote\.load\(/, ms: 1200 };
      await runOnDevice(s, [sample(7)]);
    });
    await withSession({ loadTimeoutMs: 300 }, async (s) => {
      device.faults.slowLine = { when: /mote\.load\(/, ms: 1200 };
      await expect(runOnDevice(s, [sample(7)])).rejects.toThrow(
        /no answer from .* within 300 ms while loading the model mote\.m\d+; loading was allowed 300 ms \(set by loadTimeoutMs or MOTE_LOAD_TIMEOUT_MS\)/,
      );
      // The session goes on: the slow load is stopped, and the next command runs.
      const out = await runOnDevice(s, [sample(7)], {});
      expect(out.results[0].outputs).toEqual(hostOutputs(A, sample(7)));
    });
    process.env.MOTE_LOAD_TIMEOUT_MS = '12345';
    try {
      await withSession({}, async (s) => {
        expect(s.timeouts.loadMs).toBe(12345);
        expect(loadTimeout(s, (await readInstalled(s.storage))!, 'stream').timeoutMs).toBe(12345);
      });
    } finally {
      delete process.env.MOTE_LOAD_TIMEOUT_MS;
    }
  }, 30_000);
});

describe('CRC-32s after a flash', () => {
  it("prints and returns the file's CRC-32, which the device computes too; the body CRC-32 tells models apart", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-crc-'));
    const seen: { crc: number; bodyCrc: number }[] = [];
    for (const [i, bytes] of [A, B].entries()) {
      const file = path.join(dir, `m${i}.mote`);
      writeFileSync(file, bytes);
      const json = await main(['flash', file, '--port', device.port, '--json']);
      expect(json.err).toBe('');
      const r = JSON.parse(json.out) as {
        pointer: { model: { name: string; size: number; crc: number; bodyCrc: number } };
      };
      const m = r.pointer.model;
      const fileCrc = crc32(bytes, 0, bytes.length);
      expect(m.crc).toBe(fileCrc);
      const trailer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
        bytes.length - 4,
        true,
      );
      expect(m.bodyCrc).toBe(crc32(bytes, 0, bytes.length - 4));
      expect(m.bodyCrc).toBe(trailer);
      // What the device itself says about the stored file.
      const onDevice = await withSession({}, (s) =>
        s.repl.call(
          `var S=require("Storage"),n=${JSON.stringify(m.name)},s=S.read(n);` +
            'return [E.CRC32(s)>>>0,E.CRC32(S.read(n,0,s.length-4))>>>0,s.length]',
          'asking for the CRC-32s',
        ),
      );
      expect(onDevice).toEqual([m.crc, m.bodyCrc, bytes.length]);
      // The text output prints the model's own CRC-32, the one that tells models apart (a new
      // flash: the pointer moves on).
      const text = await main(['flash', file, '--port', device.port]);
      expect(text.out).toContain(`bytes, CRC-32 ${hex(m.bodyCrc!)} (the file's checksum`);
      seen.push({ crc: m.crc, bodyCrc: m.bodyCrc });
    }
    // Every .mote ends with the CRC-32 of what precedes it, so the whole file's CRC-32 is the
    // CRC-32 residue 2144df1c for every model; the body CRC-32 differs from model to model.
    expect(seen.map((x) => hex(x.crc))).toEqual(['2144df1c', '2144df1c']);
    expect(seen[0].bodyCrc).not.toBe(seen[1].bodyCrc);
    await withSession({}, (s) => flashModel(s, bundle, A));
  }, 60_000);
});
