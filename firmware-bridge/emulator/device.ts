// An emulated Espruino device on a real pseudo-terminal: bytes from the host arrive at the
// chosen baud rate, are assembled into lines as Espruino's REPL does (Ctrl-C clears the
// line, DLE at a line's start hides its echo and result, echo(0) turns echo off), and each
// line runs in QuickJS with the target's memory limit; printed text goes back at the baud
// rate. Faults can be switched on to test the bridge: a device that stops answering, and
// corrupted base64 payloads.
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import type { Target } from '../../targets/target.js';
import { FolderStorage } from './folder-storage.js';
import { EspruinoVm } from './espruino-vm.js';
import { Pacer } from './pacer.js';
import { startPtyPair, type PtyPair } from './pty.js';

export interface EmulatedDeviceOptions {
  target: Target;
  /** The folder that holds Storage; default a new temporary folder. */
  storageDir?: string;
  /** Emulated UART speed, bytes both ways paced to it; 0 for no pacing. Default 115200. */
  baud?: number;
  /** Where the pseudo-terminal links go; default a new temporary folder. */
  ptyDir?: string;
}

export interface DeviceFaults {
  /** The device reads nothing and says nothing (hung, or out of radio range). */
  mute: boolean;
  /** The next N lines carrying an atob("...") payload get one base64 character changed. */
  corruptPayloads: number;
}

export interface EmulatedDevice {
  /** The path a host opens, as it would open /dev/ttyACM0. */
  readonly port: string;
  readonly target: Target;
  readonly storage: FolderStorage;
  readonly faults: DeviceFaults;
  /** Lines executed so far. */
  readonly linesRun: number;
  stop(): Promise<void>;
}

/** Longest input line accepted; longer ones are dropped with an error (no unbounded buffer). */
const MAX_LINE = 64 * 1024;
/** Kaluma's KALUMA_REPL_BUFFER_SIZE on the Pico boards. */
const KALUMA_LINE = 1024;

export async function startEmulatedDevice(opts: EmulatedDeviceOptions): Promise<EmulatedDevice> {
  const ptyDir = opts.ptyDir ?? (await mkdtemp(path.join(os.tmpdir(), 'mote-device-')));
  const storage = new FolderStorage(opts.storageDir ?? path.join(ptyDir, 'storage'));
  const baud = opts.baud ?? 115200;
  const pty: PtyPair = await startPtyPair(ptyDir);
  const wire = await new Promise<SerialPort>((resolve, reject) => {
    const p: SerialPort = new SerialPort({ path: pty.devicePath, baudRate: baud || 115200 }, (e) =>
      e ? reject(e) : resolve(p),
    );
  }).catch(async (e: Error) => {
    await pty.stop();
    throw new Error(`mote: the emulated device cannot open its end ${pty.devicePath}: ${e.message}`);
  });

  const output = new Pacer(baud, (b) => {
    if (wire.isOpen) wire.write(b);
  });
  let echo = true;
  const print = (text: string) => output.push(Buffer.from(text, 'latin1'));
  // Kaluma targets (JerryScript) get Kaluma's REPL and globals; the rest Espruino's.
  const kaluma = opts.target.engine === 'jerryscript';
  const vm = await EspruinoVm.create({
    target: opts.target,
    storage,
    print,
    setEcho: (on) => (echo = on),
    dialect: kaluma ? 'kaluma' : 'espruino',
  });
  const faults: DeviceFaults = { mute: false, corruptPayloads: 0 };
  let linesRun = 0;

  let line = '';
  let quiet = false; // this line began with DLE
  let lastWasCr = false;
  const runLine = () => {
    let code = line;
    const hide = quiet || !echo;
    line = '';
    quiet = false;
    if (!code.trim()) {
      if (!hide) print('>');
      return;
    }
    if (faults.corruptPayloads > 0) {
      const changed = corruptPayload(code);
      if (changed !== code) {
        faults.corruptPayloads--;
        code = changed;
      }
    }
    linesRun++;
    const r = vm.eval(code);
    if (!r.ok) print(`Uncaught ${r.name}: ${r.message}\r\n`);
    else if (!hide) print(`=${r.repr}\r\n`);
    if (!hide) print('>');
  };
  const feed = (bytes: Buffer) => {
    if (faults.mute) return;
    for (const ch of bytes.toString('latin1')) {
      if (ch === '\x03') {
        // Ctrl-C: forget the half-typed line.
        line = '';
        quiet = false;
        if (echo) print('\r\n>');
      } else if (ch === '\x10' && line === '') {
        quiet = true;
      } else if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && lastWasCr) {
          lastWasCr = false;
          continue;
        }
        if (echo && !quiet) print('\r\n');
        runLine();
      } else if (line.length >= MAX_LINE) {
        line = '';
        print(`Uncaught Error: input line longer than ${MAX_LINE} characters\r\n`);
      } else {
        line += ch;
        if (echo && !quiet) print(ch);
      }
      lastWasCr = ch === '\r';
    }
  };
  // Kaluma's REPL (src/repl.c): a line ends at \r only (\n is kept as a character), lines
  // starting with '.' are commands (.echo on|off), code is parsed in strict mode, a result
  // is printed whatever the echo setting, and the line buffer holds 1,023 characters.
  const feedKaluma = (bytes: Buffer) => {
    if (faults.mute) return;
    for (const ch of bytes.toString('latin1')) {
      if (ch !== '\r') {
        if (line.length >= KALUMA_LINE - 1) print('REPL buffer overflow\r\n');
        else {
          line += ch;
          if (echo) print(ch);
        }
        continue;
      }
      if (echo) print('\r\n');
      let code = line;
      line = '';
      if (code.startsWith('.')) {
        const [cmd, arg] = code.split(' ');
        if (cmd === '.echo' && (arg === 'on' || arg === 'off')) echo = arg === 'on';
        else if (cmd !== '.echo') print(`Unknown command: ${cmd}\r\n`);
      } else if (code.length) {
        if (faults.corruptPayloads > 0) {
          const changed = corruptPayload(code);
          if (changed !== code) {
            faults.corruptPayloads--;
            code = changed;
          }
        }
        linesRun++;
        const r = vm.eval(code, 'REPL', true);
        print(r.ok ? `${r.repr}\r\n` : `${r.name}: ${r.message}\r\n`);
      }
      if (echo) print('> ');
    }
  };
  const input = new Pacer(baud, kaluma ? feedKaluma : feed);
  wire.on('data', (d: Buffer) => input.push(d));

  return {
    port: pty.hostPath,
    target: opts.target,
    storage,
    faults,
    get linesRun() {
      return linesRun;
    },
    async stop() {
      input.clear();
      output.clear();
      await new Promise<void>((r) => (wire.isOpen ? wire.close(() => r()) : r()));
      vm.dispose();
      await pty.stop();
    },
  };
}

/** Changes one character inside the first atob("...") payload to another base64 character. */
export function corruptPayload(code: string): string {
  const m = /atob\("([A-Za-z0-9+/]{8,})/.exec(code);
  if (!m) return code;
  const at = m.index + 6 + Math.floor(m[1].length / 2);
  const c = code[at];
  return code.slice(0, at) + (c === 'A' ? 'B' : 'A') + code.slice(at + 1);
}
