// A pair of connected pseudo-terminals: the emulated device holds one end, and the host opens
// the other exactly as it would open /dev/ttyACM0. Each end is a real pty made by openpty()
// (node-pty's prebuilt addon from npm: nothing to install or compile); this process relays
// bytes between the two masters, as `socat pty,raw,echo=0 pty,raw,echo=0` does.
import { createRequire } from 'node:module';
import { closeSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { autoDetect } from '@serialport/bindings-cpp';

export interface PtyPair {
  /** The end a host opens (what `mote emulate-device` prints). */
  hostPath: string;
  /** The end the emulated device holds. */
  devicePath: string;
  stop(): Promise<void>;
}

/** node-pty's native openpty(): the master and slave file descriptors and the slave's path. */
interface PtyAddon {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let addon: PtyAddon | undefined;
function ptyAddon(): PtyAddon {
  // The package's own loader picks @lydell/node-pty-<platform>-<arch> and explains a missing one.
  const load = createRequire(import.meta.url)('@lydell/node-pty/requireBinary.js') as {
    requireBinary(file: string): PtyAddon;
  };
  return (addon ??= load.requireBinary('pty.node'));
}

type Holder = Awaited<ReturnType<ReturnType<typeof autoDetect>['open']>>;

interface End {
  master: tty.ReadStream;
  holder: Holder;
  link: string;
}

async function openEnd(link: string): Promise<End> {
  const { master, slave, pty } = ptyAddon().open(80, 24);
  let holder: Holder;
  try {
    // Opening the slave with serialport's binding puts it in raw mode with no echo (the
    // settings serialport gives any port it opens), before anything crosses. The handle stays
    // open so the pty lives on while the host closes and reopens its end.
    holder = await autoDetect().open({ path: pty, baudRate: 115200, lock: false, hupcl: false });
  } catch (e) {
    closeSync(slave);
    closeSync(master);
    throw new Error(`mote: cannot set up the pseudo-terminal ${pty}: ${(e as Error).message}`);
  }
  closeSync(slave);
  rmSync(link, { force: true });
  symlinkSync(pty, link);
  // A tty stream on the master reads and writes it without blocking (as node-pty does).
  return { master: new tty.ReadStream(master), holder, link };
}

async function closeEnd(end: End): Promise<void> {
  end.master.destroy();
  if (end.holder.isOpen) await end.holder.close().catch(() => undefined);
  rmSync(end.link, { force: true });
}

export async function startPtyPair(dir: string): Promise<PtyPair> {
  const hostPath = path.join(dir, 'port');
  const devicePath = path.join(dir, 'device');
  const host = await openEnd(hostPath);
  const device = await openEnd(devicePath).catch(async (e: Error) => {
    await closeEnd(host);
    throw e;
  });
  for (const [from, to] of [
    [host, device],
    [device, host],
  ]) {
    from.master.on('data', (b: Buffer) => {
      if (!to.master.destroyed) to.master.write(b);
    });
    // EIO once the other side is gone (at stop): nothing left to relay.
    from.master.on('error', () => undefined);
  }
  let stopped: Promise<void> | undefined;
  return {
    hostPath,
    devicePath,
    stop() {
      return (stopped ??= Promise.all([closeEnd(host), closeEnd(device)]).then(() => undefined));
    },
  };
}
