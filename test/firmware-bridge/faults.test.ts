// Faults on the link: flashes cut at random byte offsets, corrupted payloads, a device that
// stops answering. The previously installed model must survive each, and keep running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, run } from '../../src/runtime/model.js';
import { mulberry32 } from '../../src/data/prng.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import type { EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { flashModel, runOnDevice } from '../../firmware-bridge/operations.js';
import { readInstalled } from '../../firmware-bridge/flash/atomic.js';
import { openSerial } from '../../firmware-bridge/transport/serial.js';
import { startSession, openSession, type Session } from '../../firmware-bridge/session.js';
import { connect, model, sample, startDevice, target } from './fixture.js';
import { cutLink } from './cut-link.js';

let device: EmulatedDevice;
let bundle: string;
const A = model(21);
const B = model(22);

beforeAll(async () => {
  // What mote flash installs: the runtime for these models alone (A and B share their ops).
  bundle = runtimeFor(A, target);
  device = await startDevice();
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

function hostOutputs(bytes: Uint8Array, x: number[]): number[] {
  return Array.from(run(load(bytes), x).outputs[0]);
}

async function withSession<T>(f: (s: Session) => Promise<T>): Promise<T> {
  const s = await connect(device);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** The installed model is `bytes`, whole (device CRC-32), and runs to the host's outputs. */
async function expectInstalled(s: Session, bytes: Uint8Array): Promise<void> {
  const p = (await readInstalled(s.storage))!;
  expect(p.model.size).toBe(bytes.length);
  expect(await s.storage.check(p.model.name)).toEqual({ size: p.model.size, crc: p.model.crc });
  expect(await s.storage.check(p.runtime.name)).toEqual({ size: p.runtime.size, crc: p.runtime.crc });
  const out = await runOnDevice(s, [sample(3)]);
  expect(out.results[0].outputs).toEqual(hostOutputs(bytes, sample(3)));
}

/** The line that writes a pointer record (its body travels JSON-escaped in a checked line). */
const POINTER_WRITE = /n=\\"mote\.p\d\\",d=atob/;

/** A runtime that differs from the shipped one only by a trailing comment, so it is re-sent. */
const variant = (i: number) => `${bundle}\n//v${String(i).padStart(2, '0')}`;

describe('faults during a flash', () => {
  it('survives 20 flashes cut at random byte offsets; the next flash succeeds', async () => {
    await withSession(async (s) => {
      await flashModel(s, bundle, A);
    });
    // Measure where, in the bytes a flash sends, the pointer switch ends.
    const measure = cutLink(await openSerial(device.port));
    const ms = await startSession(measure, target);
    const pointerWrites = measure.mark(POINTER_WRITE);
    measure.arm(Infinity);
    await flashModel(ms, variant(99), B);
    const switchEnds = pointerWrites[0] + 400; // the pointer line is under 400 bytes
    await ms.close();
    await withSession(async (s) => {
      await flashModel(s, bundle, A);
      await expectInstalled(s, A);
    });
    const before = (await withSession((s) => readInstalled(s.storage)))!;

    const rand = mulberry32(7);
    const offsets: number[] = [];
    for (let i = 0; i < 20; i++) {
      const link = cutLink(await openSerial(device.port));
      const s = await startSession(link, target);
      const pointerLine = link.mark(POINTER_WRITE);
      const at = Math.floor(rand() * (pointerWrites[0] + 1));
      offsets.push(at);
      link.arm(at);
      await expect(flashModel(s, variant(i), B)).rejects.toThrow(/link to .* closed/);
      expect(pointerLine.length).toBeLessThanOrEqual(1);
      await withSession(async (s2) => {
        expect(await readInstalled(s2.storage)).toEqual(before);
        await expectInstalled(s2, A);
      });
    }
    expect(Math.max(...offsets)).toBeGreaterThan(switchEnds / 2);
    // After all that, a flash goes through and leaves only the new files.
    await withSession(async (s) => {
      const r = await flashModel(s, bundle, B);
      expect(r.pointer.seq).toBe(before.seq + 1);
      await expectInstalled(s, B);
      expect(device.storage.list()).toEqual(
        [r.pointer.model.name, r.pointer.runtime.name, 'mote.p' + (r.pointer.seq % 2)].sort(),
      );
    });
  }, 120_000);

  it('detects a corrupted chunk by its CRC-32 on the device: resends it alone, then fails clearly keeping the old model', async () => {
    await withSession(async (s) => {
      device.faults.corruptPayloads = 1;
      const r = await flashModel(s, bundle, A);
      // The device refused the garbled chunk line; that chunk alone went again.
      expect(r.resent).toBe(1);
      expect(r.retries).toBe(0);
      await expectInstalled(s, A);

      device.faults.corruptPayloads = 1000;
      await expect(flashModel(s, bundle, B)).rejects.toThrow(
        /writing mote\.m\d+ chunk 1 of \d+ \(bytes 0-\d+ of \d+\) failed on the link 6 times in a row .*the request line was garbled on the way \(the device's CRC-32 of its code is \d+; nothing was run\).*; nothing was switched: the previously installed model is untouched/,
      );
      device.faults.corruptPayloads = 0;
      await expectInstalled(s, A);
    });
  }, 60_000);

  it('times out with a clear message when the device stops answering', async () => {
    device.faults.mute = true;
    try {
      await expect(openSession(device.port, target, { timeoutMs: 300 })).rejects.toThrow(
        /no answer from .*port within 300 ms while taking control of the REPL/,
      );
    } finally {
      device.faults.mute = false;
    }
    // Mid-flash: the device goes quiet after some lines; the old model stays.
    const s = await openSession(device.port, target, { timeoutMs: 300 });
    try {
      const p = flashModel(s, bundle, B, {
        onProgress: (_f, sent) => {
          if (sent > 200) device.faults.mute = true;
        },
      });
      await expect(p).rejects.toThrow(
        /writing mote\.[mr]\w+ chunk \d+ of \d+ \(bytes \d+-\d+ of \d+\) failed on the link 3 times in a row .*no answer from .* within 300 ms/,
      );
    } finally {
      device.faults.mute = false;
      await s.close();
    }
    await withSession((s2) => expectInstalled(s2, A));
  }, 60_000);
});
