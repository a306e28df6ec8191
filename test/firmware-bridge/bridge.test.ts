// Flash, verify, run and profile through `serialport` against the emulated device on a
// pseudo-terminal, exactly as against a board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, run } from '../../src/runtime/model.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { loadDigits } from '../../src/data/digits.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import { digitsModel } from '../emulate/models.js';
import type { EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { flashModel, profileOnDevice, runOnDevice } from '../../firmware-bridge/operations.js';
import { readInstalled } from '../../firmware-bridge/flash/atomic.js';
import { writeMote } from '../../src/format/writer.js';
import { craftedExits } from '../exits/crafted.js';
import { connect, model, sample, startDevice, target } from './fixture.js';

let device: EmulatedDevice;

beforeAll(async () => {
  device = await startDevice();
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

function hostOutputs(bytes: Uint8Array, x: number[]): number[] {
  return Array.from(run(load(bytes), x).outputs[0]);
}

describe('firmware bridge against the emulated Bangle.js 2', () => {
  it('flashes the digits model with the runtime, verified by the device CRC-32, and runs it', async () => {
    const digits = await digitsModel();
    const s = await connect(device);
    try {
      const r = await flashModel(s, runtimeFor(digits, target), digits, { target: target.name });
      expect(r.runtimeSkipped).toBe(false);
      expect(r.retries).toBe(0);
      expect(r.pointer.model).toEqual({
        name: 'mote.m1',
        size: digits.length,
        crc: crc32(digits, 0, digits.length),
        bodyCrc: crc32(digits, 0, digits.length - 4),
        macs: load(digits).macs,
      });
      // The bytes in the device's Storage are the model, byte for byte.
      expect(new Uint8Array(device.storage.read('mote.m1')!)).toEqual(digits);
      expect(device.storage.list()).toEqual([r.pointer.model.name, 'mote.p1', r.pointer.runtime.name].sort());

      const test = loadDigits('test');
      const xs = [0, 1, 2].map((i) =>
        Array.from(test.features.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v)),
      );
      const out = await runOnDevice(s, xs);
      expect(out.info.inputSizes).toEqual([784]);
      expect(out.info.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      for (let i = 0; i < xs.length; i++) {
        expect(out.results[i].outputs).toEqual(hostOutputs(digits, xs[i]));
        expect(out.results[i].labelName).toBe(String(out.results[i].label));
      }
    } finally {
      await s.close();
    }
  }, 60_000);

  it('profiles on the device: per-layer device times, memory before and after, the estimate beside', async () => {
    const s = await connect(device);
    try {
      const test = loadDigits('test');
      const p = await profileOnDevice(s, target, [Array.from(test.features.subarray(0, 784))], { runs: 3 });
      expect(p.layers.map((l) => l.op)).toEqual(['dense', 'relu', 'dense', 'relu', 'dense', 'softmax']);
      expect(p.layers[0].macs).toBe(784 * 64);
      for (const l of p.layers) {
        expect(l.deviceMs).toBeGreaterThanOrEqual(0);
        expect(l.estimatedMs).toBeGreaterThan(0);
      }
      expect(p.deviceMs).toBeGreaterThan(0);
      expect(p.samples[0].exit).toMatch(/final output/);
      // Loading the model takes engine memory; the runtime's own plan is reported too.
      expect(p.memory.afterLoad.usedBytes).toBeGreaterThan(p.memory.before.usedBytes);
      expect(p.memory.before.totalBytes).toBeGreaterThan(0);
      expect(p.memory.runtime.peak).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('keeps an identical runtime, removes the old model after the switch, and runs the new one', async () => {
    const s = await connect(device);
    try {
      const before = await readInstalled(s.storage);
      const m = model(5);
      const r = await flashModel(s, runtimeFor(m, target), m);
      expect(r.runtimeSkipped).toBe(true);
      expect(r.pointer.seq).toBe(before!.seq + 1);
      expect(r.removed).toContain(before!.model.name);
      expect(device.storage.list()).toEqual([r.pointer.model.name, 'mote.p0', r.pointer.runtime.name].sort());
      const out = await runOnDevice(s, [sample(1)]);
      expect(out.results[0].outputs).toEqual(hostOutputs(m, sample(1)));
    } finally {
      await s.close();
    }
  }, 60_000);

  it('reports the early exit the device took', async () => {
    const s = await connect(device);
    try {
      const exits = writeMote(craftedExits());
      await flashModel(s, runtimeFor(exits, target), exits);
      const p = await profileOnDevice(
        s,
        target,
        [
          [5, 0, 0, 0],
          [0, 0, 0, 5],
          [0.01, 0, 0, 0],
        ],
        { runs: 1 },
      );
      expect(p.samples.map((x) => x.exit)).toEqual([
        expect.stringMatching(/^exit 0 of 2: class 0/),
        expect.stringMatching(/^exit 1 of 2: class 2/),
        expect.stringMatching(/^end of the model \(none of 2 exits was confident\)/),
      ]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('carries labels with quotes, backslashes and newlines as data, never as code', async () => {
    const labels = ['a"b', 'c\\d', 'e\nf', "');print('INJECTED');('", '\u0001x\u0004'];
    const m = model(9, labels);
    const noise: string[] = [];
    const s = await connect(device, 5000, (t) => noise.push(t));
    try {
      await flashModel(s, runtimeFor(m, target), m);
      const out = await runOnDevice(s, [sample(2)]);
      expect(out.info.labels).toEqual(labels);
      expect(out.results[0].labelName).toBe(labels[out.results[0].label]);
      expect(noise.join('')).not.toContain('INJECTED');
    } finally {
      await s.close();
    }
  }, 60_000);
});
