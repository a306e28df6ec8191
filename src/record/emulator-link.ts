// `mote record --device emulator:banglejs2`: the Bangle.js firmware in this process (the real
// Espruino 2v29.74 build, as `mote fit` runs it) behind the same Transport a serial port
// gives, so recording drives it exactly as it drives a watch. Its accelerometer is not
// emulated (Bangle.getAccel() reads zeros and no 'accel' event fires), so the host feeds
// simulated samples by typing Bangle.emit("accel", {...}) at its REPL: the firmware's own
// event queue then calls the recorder's listener, as the sensor driver would.
import { bootFirmwareConsole } from '../../firmware-bridge/emulator/firmware-device.js';
import type { Transport } from '../../firmware-bridge/transport/transport.js';
import type { FirmwareBoard } from '../../targets/engines/firmware.js';
import { mulberry32 } from '../data/prng.js';

export interface EmulatorLink {
  link: Transport;
  /** Types Bangle.emit("accel", ...) for each [x, y, z] sample (in g), in REPL lines. */
  feed(samples: number[][]): Promise<void>;
}

export async function emulatorLink(board: FirmwareBoard): Promise<EmulatorLink> {
  const fw = await bootFirmwareConsole(board);
  let receiver: ((d: Uint8Array) => void) | undefined;
  const closeListeners: ((reason: string) => void)[] = [];
  let closed = false;
  // Delivered after the write returns, as a port's data event would be.
  fw.onOutput((t) => queueMicrotask(() => receiver?.(Buffer.from(t, 'latin1'))));
  const write = async (data: Uint8Array | string) => {
    if (closed) throw new Error(`mote: emulator:${board} is closed`);
    await Promise.resolve();
    fw.write(typeof data === 'string' ? data : Buffer.from(data).toString('latin1'));
  };
  const link: Transport = {
    name: `emulator:${board}`,
    get isOpen() {
      return !closed;
    },
    write,
    onData(r) {
      receiver = r;
    },
    onClose(l) {
      closeListeners.push(l);
    },
    async close() {
      if (closed) return;
      closed = true;
      fw.close();
      for (const l of closeListeners) l('closed by the host');
    },
  };
  return {
    link,
    async feed(samples) {
      // Eight samples a REPL line (each emit ~70 characters), echo off for the line.
      for (let i = 0; i < samples.length; i += 8) {
        const emits = samples
          .slice(i, i + 8)
          .map(([x, y, z]) => {
            const mag = Math.sqrt(x * x + y * y + z * z);
            return `Bangle.emit("accel",{x:${x},y:${y},z:${z},mag:${+mag.toFixed(4)},diff:0})`;
          })
          .join(';');
        await write(`\x10${emits}\n`);
      }
    },
  };
}

/** A string's 32-bit FNV-1a hash (seeds the simulated signal from the label). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The simulated accelerometer: per axis a sine whose frequency (0.5-3 Hz) and amplitude
 * (0.1-1 g) follow from the label, around gravity on z, plus seeded noise (0.05 g) that
 * differs by session. Not motion: a signal that a classifier can tell apart by label.
 */
export function simulatedSignal(label: string, session: string, rate: number): (t: number) => number[] {
  const r = mulberry32(hash(label));
  const axes = [0, 1, 2].map(() => ({ f: 0.5 + 2.5 * r(), a: 0.1 + 0.9 * r(), p: 2 * Math.PI * r() }));
  const noise = mulberry32(hash(`${label}/${session}`));
  return (t) =>
    axes.map((ax, i) => {
      const v = ax.a * Math.sin((2 * Math.PI * ax.f * t) / rate + ax.p) + (i === 2 ? -1 : 0);
      return +(v + 0.05 * (noise() * 2 - 1)).toFixed(3);
    });
}
