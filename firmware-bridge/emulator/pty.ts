// A pair of connected pseudo-terminals made by Debian's `socat`: the emulated device holds
// one end, and the host opens the other exactly as it would open /dev/ttyACM0.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface PtyPair {
  /** The end a host opens (what `mote emulate-device` prints). */
  hostPath: string;
  /** The end the emulated device holds. */
  devicePath: string;
  stop(): Promise<void>;
}

export async function startPtyPair(dir: string, timeoutMs = 5000): Promise<PtyPair> {
  const hostPath = path.join(dir, 'port');
  const devicePath = path.join(dir, 'device');
  let child: ChildProcess;
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    throw new Error(`mote: cannot start socat (${(e as Error).message}); install it: apt-get install socat`);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(new Error(`mote: cannot start socat (${e.message}); install it: apt-get install socat`)),
    );
    void exited.then(() => reject(new Error(`mote: socat exited early: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(hostPath) && existsSync(devicePath))) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`mote: socat made no pseudo-terminals in ${timeoutMs} ms: ${stderr.trim()}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 20)), failed]);
  }
  return {
    hostPath,
    devicePath,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await exited;
      }
    },
  };
}
