// Links that finish (issue 17, item 5), against the real Bangle.js 2 firmware (Espruino
// 2v29.74 compiled to JS) on a pseudo-terminal: a line that garbles 15% of what the host
// writes (and of what comes back) still flashes LeNet-300-100, each garbled chunk resent
// alone; a line that garbles 60% fails naming the chunk, with the previous model intact; a
// command after a transfer cut mid-line works; the CRC-32 printed is the device's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { ROOT, RUNTIME_BUNDLE } from '../../src/build/paths.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { load, run } from '../../src/runtime/model.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { startFirmwareDevice, type FirmwareDevice } from '../../firmware-bridge/emulator/firmware-device.js';
import { openSerial } from '../../firmware-bridge/transport/serial.js';
import { openSession, startSession, type Session } from '../../firmware-bridge/session.js';
import { flashModel, runOnDevice } from '../../firmware-bridge/operations.js';
import { hex, readInstalled } from '../../firmware-bridge/flash/atomic.js';
import type { Pointer } from '../../firmware-bridge/flash/pointer.js';
import { RetriesExhaustedError } from '../../firmware-bridge/retry.js';
import { model, sample } from './fixture.js';
import { noisyLink } from '../../firmware-bridge/emulator/noisy-link.js';
import { cutLink } from './cut-link.js';

const LENET = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote')));
/** The firmware runs at the host's speed: a chunk is answered in milliseconds. */
const TIMEOUT_MS = 2000;
let device: FirmwareDevice;
let runtime: string;

beforeAll(async () => {
  runtime = existsSync(RUNTIME_BUNDLE) ? readFileSync(RUNTIME_BUNDLE, 'utf8') : await runtimeBundle();
  device = await startFirmwareDevice({ board: 'banglejs2' });
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

async function withSession<T>(f: (s: Session) => Promise<T>): Promise<T> {
  const s = await openSession(device.port, device.target, { timeoutMs: TIMEOUT_MS });
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** The firmware's own E.CRC32 of the installed files: [model, model without trailer, runtime]. */
function deviceCrcs(s: Session, p: Pointer): Promise<unknown> {
  const m = JSON.stringify(p.model.name);
  return s.repl.call(
    `var S=require("Storage"),s=S.read(${m});` +
      `return [s.length,E.CRC32(s)>>>0,E.CRC32(S.read(${m},0,s.length-4))>>>0,E.CRC32(S.read(${JSON.stringify(p.runtime.name)}))>>>0]`,
    'asking the firmware for the CRC-32s',
  );
}

function expectClose(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-6));
}

const rtBytes = () => new Uint8Array(Buffer.from(runtime, 'utf8'));

describe('links that finish (the Bangle.js 2 firmware behind a garbling line)', () => {
  it('flashes LeNet-300-100 over a line garbling 15% of writes and answers: each bad chunk resent alone; verified; it runs', async () => {
    // Something else installed first, so that the runtime and the model both travel.
    await withSession((s) => flashModel(s, `${runtime}\n//before`, model(81)));
    const link = noisyLink(await openSerial(device.port), { seed: 15, rate: 0.15, replyRate: 0.15 });
    const resends: string[] = [];
    const s = await startSession(link, device.target, {
      timeoutMs: TIMEOUT_MS,
      onResend: (what) => resends.push(what),
    });
    let r;
    try {
      r = await flashModel(s, runtime, LENET, { target: 'banglejs2' });
    } finally {
      await s.close();
    }
    // The line did garble, chunks were resent one by one, and no whole file went again.
    expect(link.garbled).toBeGreaterThan(0.1 * link.writes);
    expect(link.repliesGarbled).toBeGreaterThan(0);
    expect(r.resent).toBeGreaterThan(10);
    expect(
      resends.filter((w) => /^writing mote\.[rm]\w+ chunk \d+ of \d+ \(bytes/.test(w)).length,
    ).toBeGreaterThan(5);
    expect(r.retries).toBe(0);
    expect(r.runtimeSkipped).toBe(false);
    const rt = rtBytes();
    expect(r.pointer.model).toEqual({
      name: r.pointer.model.name,
      size: LENET.length,
      crc: crc32(LENET, 0, LENET.length),
      bodyCrc: crc32(LENET, 0, LENET.length - 4),
      macs: 266_200,
    });
    expect(r.pointer.runtime.crc).toBe(crc32(rt, 0, rt.length));
    // On a clean line: the pointer, the firmware's CRC-32s of what it stores, and a run.
    await withSession(async (c) => {
      expect(await readInstalled(c.storage)).toEqual(r.pointer);
      expect(await deviceCrcs(c, r.pointer)).toEqual([
        LENET.length,
        crc32(LENET, 0, LENET.length),
        crc32(LENET, 0, LENET.length - 4),
        crc32(rt, 0, rt.length),
      ]);
      const x = Array.from({ length: 784 }, (_, i) => Math.fround((i % 5) / 5));
      const out = await runOnDevice(c, [x]);
      expectClose(out.results[0].outputs, Array.from(run(load(LENET), x).outputs[0]));
    });
  }, 300_000);

  it('fails over a line garbling 60%, naming the chunk and the attempts; the previous model still loads and runs', async () => {
    const A = model(82);
    await withSession((s) => flashModel(s, runtime, A));
    const before = (await withSession((s) => readInstalled(s.storage)))!;
    const link = noisyLink(await openSerial(device.port), { seed: 60 });
    const s = await startSession(link, device.target, { timeoutMs: TIMEOUT_MS });
    link.rate = 0.6;
    let error: unknown;
    try {
      await flashModel(s, `${runtime}\n//new`, LENET);
    } catch (e) {
      error = e;
    } finally {
      await s.close();
    }
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toMatch(
      /: writing mote\.[rm]\w+ chunk \d+ of \d+ \(bytes \d+-\d+ of \d+\) failed on the link [3-6] times in a row \(each resent after a back-off\); the last time: .*; nothing was switched: the previously installed model is untouched and still loads\./,
    );
    await withSession(async (c) => {
      expect(await readInstalled(c.storage)).toEqual(before);
      const crcs = (await deviceCrcs(c, before)) as number[];
      expect(crcs[2]).toBe(crc32(A, 0, A.length - 4));
      expect(crcs[3]).toBe(before.runtime.crc);
      const out = await runOnDevice(c, [sample(8)]);
      expectClose(out.results[0].outputs, Array.from(run(load(A), sample(8)).outputs[0]));
    });
  }, 120_000);

  it('`mote run` works after a transfer cut in the middle of a chunk line', async () => {
    const A = model(83, ['a', 'b', 'c', 'd']);
    await withSession((s) => flashModel(s, runtime, A));
    const link = cutLink(await openSerial(device.port));
    const s = await startSession(link, device.target, { timeoutMs: TIMEOUT_MS });
    // After the third chunk line of the runtime, let 300 bytes of the next one through.
    const flash = flashModel(s, `${runtime}\n//cut`, model(84), {
      onProgress: (_name, sent) => {
        if (sent === 3 * 384) link.arm(300);
      },
    });
    await expect(flash).rejects.toThrow(/link to .* closed/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-links-'));
    const input = path.join(dir, 'x.json');
    writeFileSync(input, JSON.stringify([sample(9)]));
    const r = await main(['run', '--port', device.port, '--target', 'banglejs2', '--input', input, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out) as { results: { outputs: number[]; labelName: string }[] };
    expectClose(got.results[0].outputs, Array.from(run(load(A), sample(9)).outputs[0]));
  }, 120_000);

  it("`mote flash` prints the model's CRC-32 as the firmware computes it, which is the host's", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-links-'));
    const file = path.join(dir, 'lenet.mote');
    writeFileSync(file, LENET);
    const f = await main(['flash', file, '--port', device.port, '--target', 'banglejs2', '--json']);
    expect(f.code).toBe(0);
    const p = (JSON.parse(f.out) as { pointer: Pointer }).pointer;
    const t = await main(['flash', file, '--port', device.port, '--target', 'banglejs2']);
    expect(t.code).toBe(0);
    const printed = /model {3}mote\.m\d+: 24804 bytes, CRC-32 ([0-9a-f]{8}) \(the file's checksum/.exec(
      t.out,
    );
    expect(printed).not.toBeNull();
    // What the firmware says of the stored file (the second flash's).
    const now = (await withSession((s) => readInstalled(s.storage)))!;
    const crcs = (await withSession((s) => deviceCrcs(s, now))) as number[];
    const trailer = new DataView(LENET.buffer, LENET.byteOffset).getUint32(LENET.length - 4, true);
    expect(printed![1]).toBe(hex(crcs[2]));
    expect(crcs[2]).toBe(crc32(LENET, 0, LENET.length - 4));
    expect(crcs[2]).toBe(trailer);
    expect(p.model.bodyCrc).toBe(crcs[2]);
    // Not the residue every .mote shares as a whole file.
    expect(printed![1]).not.toBe('2144df1c');
    expect(crcs[1]).toBe(0x2144df1c);
  }, 120_000);
});
