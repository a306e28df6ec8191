// The emulated device's pseudo-terminal pair (firmware-bridge/emulator/pty.ts): two real ptys
// that serialport opens by path, every byte value crossing unchanged both ways (raw, no echo),
// and the host end opened again after it was closed, as a host reconnecting does; stop()
// removes both links.
import { existsSync } from 'node:fs';
import { mkdtemp, readlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { startPtyPair } from '../../firmware-bridge/emulator/pty.js';

function open(p: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port: SerialPort = new SerialPort({ path: p, baudRate: 115200 }, (e) =>
      e ? reject(e) : resolve(port),
    );
  });
}

/** Writes `bytes` on `from` and collects that many bytes on `to`. */
function cross(from: SerialPort, to: SerialPort, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`only ${n} of ${bytes.length} bytes arrived`)), 10_000);
    const onData = (b: Buffer) => {
      got.push(b);
      n += b.length;
      if (n >= bytes.length) {
        clearTimeout(timer);
        to.off('data', onData);
        resolve(Buffer.concat(got));
      }
    };
    to.on('data', onData);
    from.write(bytes);
  });
}

const close = (p: SerialPort) => new Promise<void>((r) => p.close(() => r()));

describe('the pseudo-terminal pair', () => {
  it('carries every byte value unchanged both ways, and lets the host reopen its end', async () => {
    const pair = await startPtyPair(await mkdtemp(path.join(os.tmpdir(), 'mote-pty-')));
    try {
      expect(await readlink(pair.hostPath)).toMatch(/^\/dev\/pts\/\d+$/);
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const device = await open(pair.devicePath);
      let host = await open(pair.hostPath);
      expect(await cross(host, device, all)).toEqual(all);
      expect(await cross(device, host, all)).toEqual(all);
      await close(host);
      host = await open(pair.hostPath);
      const line = Buffer.from('print(1)\r\n\x03\x10');
      expect(await cross(host, device, line)).toEqual(line);
      expect(await cross(device, host, line)).toEqual(line);
      await close(host);
      await close(device);
    } finally {
      await pair.stop();
    }
    expect(existsSync(pair.hostPath) || existsSync(pair.devicePath)).toBe(false);
  });
});
