// The Kaluma path (REPL with .echo off and \r line ends, strict-mode lines of at most 1,023
// characters, the fs module, an on-device CRC-32 in JS) against the emulated device's
// Kaluma dialect. It checks mote's side against Kaluma as documented; a Pico is not involved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, run } from '../../src/runtime/model.js';
import { getTarget } from '../../targets/index.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import { startEmulatedDevice, type EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { openSerial } from '../../firmware-bridge/transport/serial.js';
import { openSession, startSession } from '../../firmware-bridge/session.js';
import { flashModel, profileOnDevice, runOnDevice } from '../../firmware-bridge/operations.js';
import { readInstalled } from '../../firmware-bridge/flash/atomic.js';
import { model, sample } from './fixture.js';
import { cutLink } from './cut-link.js';
import { noisyLink } from '../../firmware-bridge/emulator/noisy-link.js';

const target = getTarget('kaluma-pico');
let device: EmulatedDevice;

beforeAll(async () => {
  device = await startEmulatedDevice({ target, baud: 0 });
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

describe('Kaluma protocol against the emulated Kaluma REPL', () => {
  it('flashes through fs, verifies by the device CRC-32, runs and profiles; a cut flash keeps the old model', async () => {
    const A = model(41, ['a"', 'b\\', 'c\n', 'd']);
    const B = model(42);
    const s = await openSession(device.port, target);
    try {
      expect(s.protocol).toBe('kaluma');
      const r = await flashModel(s, runtimeFor(A, target), A);
      expect(device.storage.list()).toEqual([r.pointer.model.name, 'mote.p1', r.pointer.runtime.name].sort());
      expect(new Uint8Array(device.storage.read(r.pointer.model.name)!)).toEqual(A);
      const out = await runOnDevice(s, [sample(6)]);
      expect(out.results[0].outputs).toEqual(Array.from(run(load(A), sample(6)).outputs[0]));
      expect(out.info.labels).toEqual(['a"', 'b\\', 'c\n', 'd']);
      const p = await profileOnDevice(s, target, [sample(6)], { runs: 2 });
      expect(p.layers.map((l) => l.op)).toEqual(['dense', 'relu', 'dense', 'softmax']);
      expect(p.memory.afterLoad.usedBytes).toBeGreaterThan(p.memory.before.usedBytes);

      // A chunk garbled on its way is refused by the device's checker and resent alone.
      device.faults.corruptPayloads = 1;
      const again = await flashModel(s, runtimeFor(A, target), A);
      expect(again.resent).toBe(1);
      expect(again.retries).toBe(0);
    } finally {
      await s.close();
    }

    const before = await (async () => {
      const s2 = await openSession(device.port, target);
      const p = await readInstalled(s2.storage);
      await s2.close();
      return p;
    })();
    const link = cutLink(await openSerial(device.port));
    const cut = await startSession(link, target);
    link.arm(3000);
    await expect(flashModel(cut, `${runtimeFor(B, target)}\n//cut`, B)).rejects.toThrow(/closed/);
    const s3 = await openSession(device.port, target);
    try {
      expect(await readInstalled(s3.storage)).toEqual(before);
      const out = await runOnDevice(s3, [sample(7)]);
      expect(out.results[0].outputs).toEqual(Array.from(run(load(A), sample(7)).outputs[0]));
      await flashModel(s3, runtimeFor(B, target), B);
      const outB = await runOnDevice(s3, [sample(7)]);
      expect(outB.results[0].outputs).toEqual(Array.from(run(load(B), sample(7)).outputs[0]));
    } finally {
      await s3.close();
    }
  }, 60_000);

  it('flashes over a line garbling 15% of writes and answers, each garbled chunk resent alone', async () => {
    const C = model(43);
    const rt = `${runtimeFor(C, target)}\n//noisy`;
    const link = noisyLink(await openSerial(device.port), { seed: 43, rate: 0.15, replyRate: 0.15 });
    const s = await startSession(link, target, { timeoutMs: 1500 });
    try {
      const r = await flashModel(s, rt, C);
      expect(link.garbled).toBeGreaterThan(0);
      expect(r.resent).toBeGreaterThan(0);
      expect(r.retries).toBe(0);
      expect(new Uint8Array(device.storage.read(r.pointer.model.name)!)).toEqual(C);
      expect(Buffer.from(device.storage.read(r.pointer.runtime.name)!).toString('utf8')).toBe(rt);
    } finally {
      await s.close();
    }
  }, 60_000);
});
