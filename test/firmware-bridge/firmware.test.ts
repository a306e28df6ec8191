// The unchanged serial bridge against the real Bangle.js 2 firmware (Espruino 2v29.74 compiled
// to JavaScript, targets/engines/espruino-firmware/), served on a pseudo-terminal by
// firmware-bridge/emulator/firmware-device.ts: the watch's own REPL, Storage, E.CRC32 and
// memory manager, reached through `serialport` exactly as a watch behind a BLE-UART bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, RUNTIME_BUNDLE } from '../../src/build/paths.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { load, run } from '../../src/runtime/model.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { startFirmwareDevice, type FirmwareDevice } from '../../firmware-bridge/emulator/firmware-device.js';
import { openSerial } from '../../firmware-bridge/transport/serial.js';
import { openSession, startSession, type Session } from '../../firmware-bridge/session.js';
import { flashModel, profileOnDevice, runOnDevice } from '../../firmware-bridge/operations.js';
import { readInstalled } from '../../firmware-bridge/flash/atomic.js';
import { DeviceError } from '../../firmware-bridge/espruino/repl.js';
import { model, sample } from './fixture.js';
import { cutLink } from './cut-link.js';
import { dirtyLineScript, DIRTY_LINE_OUTPUT } from './repl-script.js';

const LENET = path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote');
let device: FirmwareDevice;
let runtime: string;

beforeAll(async () => {
  // The bundle as `npm run build:runtime` writes it into dist/, else built the same way.
  runtime = existsSync(RUNTIME_BUNDLE) ? readFileSync(RUNTIME_BUNDLE, 'utf8') : await runtimeBundle();
  device = await startFirmwareDevice({ board: 'banglejs2' });
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

async function withSession<T>(f: (s: Session) => Promise<T>): Promise<T> {
  const s = await openSession(device.port, device.target, { timeoutMs: 10_000 });
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** Float32 outputs of the firmware's run agree with the host's to rounding (Espruino sums in doubles). */
function expectClose(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-6));
}

describe('the bridge against the Bangle.js 2 firmware (Espruino 2v29.74 in Node)', () => {
  it('boots the firmware behind a pseudo-terminal', () => {
    expect(device.console.version).toBe('2v29.74');
    expect(device.target.name).toBe('banglejs2');
  });

  it("flashes LeNet-300-100 and the runtime; the firmware's E.CRC32 of the stored files is the host's; it runs", async () => {
    const lenet = new Uint8Array(readFileSync(LENET));
    expect(lenet.length).toBe(24_804);
    await withSession(async (s) => {
      const r = await flashModel(s, runtime, lenet, { target: 'banglejs2' });
      expect(r.retries).toBe(0);
      const m = r.pointer.model;
      expect(m).toEqual({
        name: 'mote.m1',
        size: lenet.length,
        crc: crc32(lenet, 0, lenet.length),
        bodyCrc: crc32(lenet, 0, lenet.length - 4),
        macs: 266_200,
      });
      expect((await s.storage.list('mote.')).sort()).toEqual(
        [m.name, 'mote.p1', r.pointer.runtime.name].sort(),
      );
      expect(await readInstalled(s.storage)).toEqual(r.pointer);
      // Asked directly of the firmware: the whole file, the file without its trailer, the runtime.
      const rt = new Uint8Array(Buffer.from(runtime, 'utf8'));
      const v = await s.repl.call(
        `var S=require("Storage"),s=S.read(${JSON.stringify(m.name)});` +
          `return [s.length,E.CRC32(s)>>>0,E.CRC32(S.read(${JSON.stringify(m.name)},0,s.length-4))>>>0,` +
          `E.CRC32(S.read(${JSON.stringify(r.pointer.runtime.name)}))>>>0]`,
        'asking the firmware for the CRC-32s',
      );
      expect(v).toEqual([
        lenet.length,
        0x2144df1c,
        crc32(lenet, 0, lenet.length - 4),
        crc32(rt, 0, rt.length),
      ]);
      // And it runs there. (Slow: the firmware interprets the runtime's JS; on this build the
      // load alone took 36 s on the development machine, more than the old fixed 30 s.)
      const x = Array.from({ length: 784 }, (_, i) => Math.fround((i % 7) / 7));
      const out = await runOnDevice(s, [x]);
      expect(out.info.macs).toBe(266_200);
      expectClose(out.results[0].outputs, Array.from(run(load(lenet), x).outputs[0]));
    });
  }, 300_000);

  it('runs and profiles a small model there, agreeing with the host', async () => {
    const m = model(71, ['a', 'b', 'c', 'd']);
    await withSession(async (s) => {
      await flashModel(s, runtime, m);
      const out = await runOnDevice(s, [sample(1), sample(2)]);
      expect(out.info.labels).toEqual(['a', 'b', 'c', 'd']);
      for (const [i, x] of [sample(1), sample(2)].entries())
        expectClose(out.results[i].outputs, Array.from(run(load(m), x).outputs[0]));
      const p = await profileOnDevice(s, device.target, [sample(3)], { runs: 2 });
      expect(p.layers.map((l) => l.op)).toEqual(['dense', 'relu', 'dense', 'softmax']);
      // process.memory() of the firmware itself: 12,000 variables of 14 bytes.
      expect(p.memory.before.totalBytes).toBe(12_000 * 14);
      expect(p.memory.afterLoad.usedBytes).toBeGreaterThan(p.memory.before.usedBytes);
    });
  }, 120_000);

  it("reports the firmware's own errors: OUT OF MEMORY, and Uncaught Error with the line after it", async () => {
    await withSession(async (s) => {
      const oom = (await s.repl
        .call('var a=[];for(;;)a.push([a.length]);', 'filling the memory')
        .catch((e: unknown) => e)) as DeviceError;
      expect(oom).toBeInstanceOf(DeviceError);
      expect(oom.kind).toBe('out-of-memory');
      expect(oom.deviceOutput[0]).toMatch(/^OUT OF MEMORY/);
      expect(oom.deviceOutput).toContain('Execution Interrupted');
      expect(oom.deviceOutput).toContain('New interpreter error: LOW_MEMORY,MEMORY');
      expect(await s.repl.call('return 1', 'after the error')).toBe(1);

      const uncaught = (await s.repl
        .exec(`(0,eval)("throw new Error('boom')")`, 'evaluating a script')
        .catch((e: unknown) => e)) as DeviceError;
      expect(uncaught.kind).toBe('uncaught');
      expect(uncaught.deviceOutput[0]).toBe('Uncaught Error: boom');
      expect(uncaught.deviceOutput[1]).toMatch(/^\s+at /);
      expect(uncaught.message).toMatch(
        /failed while evaluating a script: uncaught error on the device; it printed:\n {4}Uncaught Error: boom\n/,
      );
    });
  }, 60_000);

  it("treats a dirty line, Ctrl-C and ESC [ 2 H as the emulated device's REPL does", async () => {
    expect(await dirtyLineScript(device.port)).toBe(DIRTY_LINE_OUTPUT);
  }, 30_000);

  it('starts every command on a clean line: half a line in the same session, a flash cut mid-line', async () => {
    const m = model(72);
    await withSession(async (s) => {
      await flashModel(s, runtime, m);
      // Half a write line, inside its base64 string, a bracket open; then the next command.
      await s.link.write(
        '\x10print("\\u0001x\\u0003");(function(){var r;try{r=[0,(function(){return require("Storage").write("mote.m9",atob("QUJD',
      );
      expect(await s.repl.call('return 2', 'the next command')).toBe(2);
    });
    const before = await withSession((s) => readInstalled(s.storage));
    const link = cutLink(await openSerial(device.port));
    const cut = await startSession(link, device.target);
    link.arm(2000);
    await expect(flashModel(cut, runtime, model(73))).rejects.toThrow(/link to .* closed/);
    await withSession(async (s) => {
      expect(await readInstalled(s.storage)).toEqual(before);
      const out = await runOnDevice(s, [sample(4)]);
      expectClose(out.results[0].outputs, Array.from(run(load(m), sample(4)).outputs[0]));
    });
  }, 120_000);
});
