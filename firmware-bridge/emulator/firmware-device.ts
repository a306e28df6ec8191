// The real Bangle.js firmware (Espruino 2v29.74 compiled to JavaScript by emscripten, vendored
// in targets/engines/espruino-firmware/) as a virtual device on a pseudo-terminal: bytes from
// the host are pushed into the firmware's console one by one, as its UART interrupt would
// (so Ctrl-C, ESC sequences, DLE and half lines reach Espruino's own REPL code), and every
// character the firmware transmits goes back. The unchanged serial bridge (flash, run,
// profile, list) then drives the watch's own interpreter, memory manager, Storage and REPL.
//
// Why not targets/engines/firmware.ts's bootFirmware(): that driver is line-level (eval()
// types "\x10<code>\n" and returns the output split into text and error). The bridge needs
// the bytes themselves: a raw write(chars) and the output as it comes. Both are built on the
// driver's bootRaw() (the same boot, the console at byte level).
//
// Timing: the firmware runs synchronously inside write(), at the host's speed; a line that
// runs longer than `lineTimeoutMs` is stopped through the firmware's own jspSetInterrupted,
// as Ctrl-C stops it on the watch ("Execution Interrupted"). A Ctrl-C from the host cannot
// interrupt a line mid-run (the firmware holds Node's thread meanwhile), only one waiting.
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { bootRaw, type FirmwareBoard } from '../../targets/engines/firmware.js';
import { getTarget } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { Pacer } from './pacer.js';
import { startPtyPair, type PtyPair } from './pty.js';

/** The firmware's console at byte level. */
export interface FirmwareConsole {
  readonly board: FirmwareBoard;
  /** process.env.VERSION, e.g. "2v29.74". */
  readonly version: string;
  /**
   * Pushes `chars` (one byte each) into the console as they would arrive from the UART,
   * running the firmware until it has handled them; what it prints goes to the receiver.
   */
  write(chars: string): void;
  /** Registers the receiver of everything the firmware prints. */
  onOutput(receiver: (chars: string) => void): void;
  /** Runs the firmware's idle loop once (timers); returns ms until it next needs to run. */
  idle(): number;
  close(): void;
}

/** Boots the firmware with its console at byte level. */
export async function bootFirmwareConsole(
  board: FirmwareBoard,
  opts: { lineTimeoutMs?: number } = {},
): Promise<FirmwareConsole> {
  const lineTimeoutMs = opts.lineTimeoutMs ?? 120_000;
  let pending = '';
  let receiver: ((chars: string) => void) | undefined;
  let deadline = Infinity;
  let closed = false;
  const raw = await bootRaw(
    board,
    (text) => {
      pending += text;
    },
    () => deadline !== Infinity && performance.now() > deadline,
  );
  const flush = () => {
    if (!pending) return;
    const text = pending;
    pending = '';
    receiver?.(text);
  };
  const write = (chars: string) => {
    if (closed) throw new Error(`mote: firmware ${board} is closed`);
    deadline = performance.now() + lineTimeoutMs;
    try {
      raw.type(chars);
    } finally {
      deadline = Infinity;
    }
    flush();
  };
  pending = '';
  // The version, then echo back on as after a boot, so the host finds the REPL as on a watch.
  let version = '';
  receiver = (t) => (version += t);
  write('\x10echo(0)\n\x10print(process.env.VERSION)\n\x10echo(1)\n');
  version = version.replace(/[\r\n>]+/g, ' ').trim();
  receiver = undefined;
  return {
    board,
    version,
    write,
    onOutput(r) {
      receiver = r;
    },
    idle() {
      if (closed) return Infinity;
      const next = raw.pump();
      flush();
      return next;
    },
    close() {
      closed = true;
    },
  };
}

export interface FirmwareDeviceOptions {
  board: FirmwareBoard;
  /** Serial speed the traffic is paced to, both ways; 0 for none. Default 0. */
  baud?: number;
  /** Where the pseudo-terminal links go; default a new temporary folder. */
  ptyDir?: string;
  /** A line running longer is interrupted as by Ctrl-C. Default 120 s. */
  lineTimeoutMs?: number;
}

export interface FirmwareDevice {
  /** The path a host opens, as it would open the watch's BLE-UART bridge. */
  readonly port: string;
  /** The mote target of the board ('banglejs2' or 'banglejs1'). */
  readonly target: Target;
  readonly console: FirmwareConsole;
  stop(): Promise<void>;
}

/** Boots the firmware and serves its REPL on a pseudo-terminal pair (emulator/pty.ts). */
export async function startFirmwareDevice(opts: FirmwareDeviceOptions): Promise<FirmwareDevice> {
  const fw = await bootFirmwareConsole(opts.board, { lineTimeoutMs: opts.lineTimeoutMs });
  const ptyDir = opts.ptyDir ?? (await mkdtemp(path.join(os.tmpdir(), 'mote-firmware-')));
  const baud = opts.baud ?? 0;
  const pty: PtyPair = await startPtyPair(ptyDir);
  const wire = await new Promise<SerialPort>((resolve, reject) => {
    const p: SerialPort = new SerialPort({ path: pty.devicePath, baudRate: baud || 115200 }, (e) =>
      e ? reject(e) : resolve(p),
    );
  }).catch(async (e: Error) => {
    await pty.stop();
    throw new Error(`mote: the firmware device cannot open its end ${pty.devicePath}: ${e.message}`);
  });
  const output = new Pacer(baud, (b) => {
    if (wire.isOpen) wire.write(b);
  });
  fw.onOutput((t) => output.push(Buffer.from(t, 'latin1')));
  const input = new Pacer(baud, (b) => fw.write(b.toString('latin1')));
  wire.on('data', (d: Buffer) => input.push(d));
  // The idle loop also runs on its own, for timers the code sets.
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const next = fw.idle();
    timer = setTimeout(tick, Math.min(1000, Math.max(20, next)));
    timer.unref();
  };
  tick();
  return {
    port: pty.hostPath,
    target: getTarget(opts.board),
    console: fw,
    async stop() {
      if (timer) clearTimeout(timer);
      input.clear();
      output.clear();
      await new Promise<void>((r) => (wire.isOpen ? wire.close(() => r()) : r()));
      fw.close();
      await pty.stop();
    },
  };
}
