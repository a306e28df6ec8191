// The bridge's commands through `mote` itself: devices, flash, run --port, profile, and
// their exit codes and messages, against the emulated device on a pseudo-terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { ROOT, RUNTIME_BUNDLE } from '../../src/build/paths.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { load, run } from '../../src/runtime/model.js';
import { runtimeBundle } from '../helpers/bundle.js';
import type { EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { openSession } from '../../firmware-bridge/session.js';
import { model, sample, startDevice, target } from './fixture.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-bridge-cli-'));
const file = path.join(dir, 'small.mote');
const inputs = path.join(dir, 'x.json');
const bytes = model(31, ['left', 'right', 'up', 'down']);
let device: EmulatedDevice;

beforeAll(async () => {
  // The CLI flashes the shipped bundle, as `npm run build:runtime` writes it.
  if (!existsSync(RUNTIME_BUNDLE)) {
    mkdirSync(path.dirname(RUNTIME_BUNDLE), { recursive: true });
    await writeFileAtomic(RUNTIME_BUNDLE, await runtimeBundle());
  }
  writeFileSync(file, bytes);
  writeFileSync(inputs, JSON.stringify([sample(4), sample(5)]));
  device = await startDevice();
}, 60_000);

afterAll(async () => {
  await device?.stop();
});

describe('mote devices / flash / run --port / profile', () => {
  it('lists ports, falling back to a scan of /dev where serialport cannot enumerate', async () => {
    const r = await main(['devices', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { source: string; ports: unknown[]; note?: string };
    expect(['serialport', 'scan']).toContain(list.source);
    expect(Array.isArray(list.ports)).toBe(true);
    if (list.source === 'scan') expect(list.note).toMatch(/scanned \/dev\/serial\/by-id/);
  });

  it('flashes, runs and profiles', async () => {
    const f = await main(['flash', file, '--port', device.port]);
    expect(f.err).toBe('');
    expect(f.code).toBe(0);
    expect(f.out).toMatch(
      /model {3}mote\.m\d+: \d+ bytes, CRC-32 [0-9a-f]{8} \(the file's checksum, without its 4-byte trailer\) verified on the device/,
    );
    expect(f.out).toMatch(/pointer switched \(sequence 1\)/);

    const r = await main(['run', '--port', device.port, '--input', inputs, '--json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out) as { results: { outputs: number[]; labelName: string }[] };
    const host = load(bytes);
    for (const [i, s] of [sample(4), sample(5)].entries()) {
      const want = run(host, s);
      expect(got.results[i].outputs).toEqual(Array.from(want.outputs[0]));
      expect(got.results[i].labelName).toBe(['left', 'right', 'up', 'down'][want.label]);
    }

    const p = await main(['profile', '--port', device.port, '--inputs', inputs, '--runs', '2']);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/ms \(device clock\)\s+ms \(banglejs2 estimate\)/);
    expect(p.out).toMatch(/^fc0\s+dense\s+dense-decode\s+512\s/m);
    expect(p.out).toMatch(/exit: final output/);
    expect(p.out).toMatch(/device memory: .* with no model loaded; .* after loading; .* after the runs/);
    const pj = JSON.parse((await main(['profile', '--port', device.port, '--inputs', inputs, '--json'])).out);
    expect(pj.runs).toBe(10);
    expect(pj.layers).toHaveLength(4);
  }, 60_000);

  it('mote emulate-device prints a port that answers, and stops on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'emulate-device', '--baud', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: ROOT,
      },
    );
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^(\/\S+)$/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`emulate-device exited (${code}): ${out}`)));
      });
      const s = await openSession(port, target);
      expect(await s.repl.call('return [typeof require("Storage").write, getTime() > 0]', 'probing')).toEqual(
        ['function', true],
      );
      await s.close();
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  }, 30_000);

  it('fails clearly: a bad model file, a silent device, a missing --port', async () => {
    const bad = path.join(dir, 'bad.mote');
    writeFileSync(bad, bytes.subarray(0, 40));
    const b = await main(['flash', bad, '--port', device.port]);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/^mote: header at byte \d+/);

    device.faults.mute = true;
    try {
      const t = await main(['run', '--port', device.port, '--input', inputs, '--timeout', '300']);
      expect(t.code).toBe(1);
      expect(t.err).toMatch(/no answer from .* within 300 ms while taking control of the REPL/);
    } finally {
      device.faults.mute = false;
    }
    const gone = await main(['flash', file, '--port', path.join(dir, 'no-such-port')]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/^mote: cannot open .*no-such-port/);
    const u = await main(['flash', file]);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/flash needs --port/);
  }, 30_000);
});
