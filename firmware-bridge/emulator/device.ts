// An emulated Espruino device on a real pseudo-terminal: bytes from the host arrive at the
// chosen baud rate and are assembled into lines as Espruino's REPL does, and each line runs
// in QuickJS with the target's memory limit; printed text goes back at the baud rate.
//
// The REPL follows src/jsinteractive.c where the bridge depends on it: DLE at a line's start
// hides its echo and result, echo(0) turns echo off, ESC [ 2 H erases the input line, and
// an Enter inside open brackets continues the line (so half a line left by an interrupted
// transfer swallows the lines after it). Ctrl-C is acted on when it arrives, as Espruino's
// IRQ does: it stops a line that is still waiting to run, and the input line is cleared at
// the end of the batch of input being handled, together with anything typed behind it in
// the same batch. Errors are printed as Espruino prints them: "Uncaught <error>" and a trace
// line, "OUT OF MEMORY" / "Execution Interrupted" / "New interpreter error: LOW_MEMORY,MEMORY"
// when the heap runs out, "Execution Interrupted" when a line is stopped.
//
// Faults can be switched on to test the bridge (DeviceFaults): a device that stops answering,
// corrupted base64 payloads, a line that fails as out of memory / interrupted / uncaught, a
// line cut in half as an interrupted transfer leaves it, leftover output of an earlier line,
// and a busy device that runs a line late.
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import type { Target } from '../../targets/target.js';
import { FolderStorage } from './folder-storage.js';
import { EspruinoVm, type EvalResult } from './espruino-vm.js';
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
  /** The next line whose code matches fails there, as Espruino reports it (one-shot). */
  failLine?: LineFailure;
  /**
   * The next line whose code matches arrives without its end: only its first `keep`
   * characters, no newline, as a transfer cut mid-line leaves it. It stays in the REPL's
   * input line, unfinished (one-shot).
   */
  cutLine?: { when: RegExp; keep: number };
  /** Printed just before the next line runs: late output of an earlier line (one-shot). */
  leftoverOutput?: string;
  /** The next line whose code matches runs `ms` late; input waits meanwhile (one-shot). */
  slowLine?: { when: RegExp; ms: number };
}

/**
 * Where a line fails, and how: just before the first match of `when` in its code the device
 * runs out of memory, is interrupted (as by Ctrl-C), or throws `message` (which a try/catch
 * around that spot catches, as on Espruino; outside one it is printed as "Uncaught Error").
 */
export interface LineFailure {
  when: RegExp;
  as: 'out-of-memory' | 'interrupted' | 'throw';
  message?: string;
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
  let esc = ''; // an escape sequence being read: ESC, '[', digits
  let ctrlC = false; // a Ctrl-C arrived in the batch being handled
  let fifo = ''; // input that arrived and has not been handled yet
  let busy: { timer: NodeJS.Timeout; run: () => void } | undefined; // a slow line waiting to run

  const printError = (r: Extract<EvalResult, { ok: false }>) => {
    if (r.kind === 'memory')
      print('OUT OF MEMORY\r\nExecution Interrupted\r\nNew interpreter error: LOW_MEMORY,MEMORY\r\n');
    else if (r.kind === 'interrupted') print('Execution Interrupted\r\n');
    else print(`Uncaught ${r.name}: ${r.message}\r\n${r.trace.map((t) => `${t}\r\n`).join('')}`);
  };
  const runCode = (code: string, hide: boolean) => {
    if (faults.leftoverOutput !== undefined) {
      print(faults.leftoverOutput);
      faults.leftoverOutput = undefined;
    }
    linesRun++;
    const r = vm.eval(code);
    if (!r.ok) printError(r);
    else if (!hide) print(`=${r.repr}\r\n`);
    if (!hide) print('>');
  };
  /** Enter: runs the line, unless brackets are still open (then the line goes on). */
  const enter = (): void => {
    if (bracketDepth(line) > 0) {
      line += '\n';
      return;
    }
    let code = line;
    const wasQuiet = quiet;
    const hide = quiet || !echo;
    line = '';
    quiet = false;
    if (!code.trim()) {
      if (!hide) print('>');
      return;
    }
    if (faults.cutLine?.when.test(code)) {
      // Only the first part arrived: it stays as unfinished input.
      line = code.slice(0, faults.cutLine.keep);
      quiet = wasQuiet;
      faults.cutLine = undefined;
      return;
    }
    if (faults.corruptPayloads > 0) {
      const changed = corruptPayload(code);
      if (changed !== code) {
        faults.corruptPayloads--;
        code = changed;
      }
    }
    if (faults.failLine?.when.test(code)) {
      code = injectFailure(code, faults.failLine);
      faults.failLine = undefined;
    }
    const slow = faults.slowLine?.when.test(code) ? faults.slowLine : undefined;
    if (slow) {
      faults.slowLine = undefined;
      const run = () => {
        busy = undefined;
        runCode(code, hide);
        handle();
      };
      busy = { timer: setTimeout(run, slow.ms), run };
      return;
    }
    runCode(code, hide);
  };
  /** One pass of Espruino's idle loop over the input that has arrived. */
  const handle = () => {
    let i = 0;
    for (; i < fifo.length && !busy; i++) {
      const ch = fifo[i];
      if (esc) {
        // ESC [ digits letter: only ESC [ 2 H (erase the input line) matters here.
        if (esc === '\x1b' && ch === '[') esc += ch;
        else if (esc.startsWith('\x1b[') && ch >= '0' && ch <= '9') esc += ch;
        else {
          if (esc === '\x1b[2' && ch === 'H') {
            line = '';
            quiet = false;
          }
          esc = '';
        }
      } else if (ch === '\x1b') {
        esc = ch;
      } else if (ch === '\x03') {
        // Acted on at arrival (below); the character itself is ignored here.
      } else if (ch === '\x10' && line === '') {
        quiet = true;
      } else if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && lastWasCr) {
          lastWasCr = false;
          continue;
        }
        if (echo && !quiet) print('\r\n');
        enter();
      } else if (line.length >= MAX_LINE) {
        line = '';
        print(`Uncaught Error: input line longer than ${MAX_LINE} characters\r\n`);
      } else if (ch >= ' ' || ch === '\t') {
        line += ch;
        if (echo && !quiet) print(ch);
      }
      lastWasCr = ch === '\r';
    }
    fifo = fifo.slice(i);
    if (busy) return;
    if (ctrlC) {
      // The end of the idle loop: a Ctrl-C clears whatever the input line holds now.
      ctrlC = false;
      line = '';
      quiet = false;
      if (echo) print('\r\n>');
    }
  };
  const feed = (bytes: Buffer) => {
    if (faults.mute) return;
    const text = bytes.toString('latin1');
    if (text.includes('\x03')) {
      ctrlC = true;
      if (busy) {
        // Ctrl-C stops the line the device is busy with.
        clearTimeout(busy.timer);
        busy = undefined;
        print('Execution Interrupted\r\n');
      }
    }
    fifo += text;
    handle();
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
      if (busy) clearTimeout(busy.timer);
      input.clear();
      output.clear();
      await new Promise<void>((r) => (wire.isOpen ? wire.close(() => r()) : r()));
      vm.dispose();
      await pty.stop();
    },
  };
}

/**
 * Changes one character inside the first atob("...") payload to another base64 character
 * (also inside a checked line, where the code travels as a string literal: atob(\"...\")).
 */
export function corruptPayload(code: string): string {
  const m = /atob\(\\?"([A-Za-z0-9+/]{8,})/.exec(code);
  if (!m) return code;
  const at = m.index + m[0].length - m[1].length + Math.floor(m[1].length / 2);
  const c = code[at];
  return code.slice(0, at) + (c === 'A' ? 'B' : 'A') + code.slice(at + 1);
}

/** Puts the failure just before the first match of `f.when` in the line's code. */
export function injectFailure(code: string, f: LineFailure): string {
  const m = f.when.exec(code);
  if (!m) return code;
  const failure =
    f.as === 'throw'
      ? `(function(){throw new Error(${JSON.stringify(f.message ?? 'injected fault')})})(),`
      : `(function(){__hTrip(${JSON.stringify(f.as)});for(;;);})(),`;
  return code.slice(0, m.index) + failure + code.slice(m.index);
}

/**
 * Brackets left open in REPL input, as Espruino counts them before running a line: (), [] and
 * {} outside strings and comments. (Regular expressions are not recognised: mote's lines
 * hold none.)
 */
export function bracketDepth(code: string): number {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if (c === '/' && code[i + 1] === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return depth;
}
