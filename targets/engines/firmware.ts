// The Bangle.js firmware as a test engine: Espruino 2v29.74 for Bangle.js 2 and 1, compiled
// to JavaScript by emscripten (wasm2js; copied in ./espruino-firmware/, see SOURCE.md), booted
// in Node without a browser. It is the watch's own interpreter, memory manager (12,000 vars of
// 14 bytes / 2,500 of 13 bytes), Storage and REPL; its timings are the emulator's, not the
// watch's.
//
// How it is driven (as the Web IDE and BangleApps' tests do, with three changes):
// - The three upstream files are evaluated in one `new Function` scope per board instance, so
//   two firmwares in one process are independent. emscripten must see `process`/`require` to
//   pick its Node path; common.js's browser back-channel (jsRXCallback) is switched off.
// - Console output is collected by our own IO pump (common.js's jsHandleIO drops a partial
//   line whenever it is called mid-line); the firmware's idle loop is run by hand, never from
//   setTimeout, so nothing keeps Node alive and close() only has to drop references.
// - Two lines are injected into the compiled firmware when it is loaded (the files on disk are
//   untouched): the lexer (jslGetNextToken) counts tokens and every 10,000 asks whether eval's
//   deadline has passed; if so it calls the firmware's own jspSetInterrupted(1), which is what
//   Ctrl-C does on the watch ("Execution Interrupted", uncatchable). And a few internal
//   functions (the RX queue's free space and use) are handed out for the input pump.
//
// Input is typed into the REPL: each line starts with "\x10" (echo off for that line) after
// echo(0). A line executes synchronously inside the idle call that reads its newline, so eval
// returns when the firmware has finished it; timers set by the code (setTimeout) only run
// when a later call idles the firmware.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ROOT } from '../../src/build/paths.js';

export type FirmwareBoard = 'banglejs2' | 'banglejs1';
export interface FirmwareMemory {
  free: number;
  usage: number;
  total: number;
  blocksize: number;
}
/**
 * What one eval printed. `output`: the text printed before any error ("\r" removed).
 * `error`: null, or the interpreter's error text to the end of the output: "Uncaught ..." and
 * the lines after it (the ` at ...` trace and the source line), or the out-of-memory messages
 * ("OUT OF MEMORY", "Execution Interrupted", "New interpreter error: LOW_MEMORY,MEMORY"), or
 * "Execution Interrupted" after a timeout (with a note added by this driver).
 */
export interface FirmwareEval {
  output: string;
  error: string | null;
}
export interface Firmware {
  board: FirmwareBoard;
  /** process.env.VERSION, e.g. "2v29.74" */
  version: string;
  /**
   * Runs code at the REPL to completion and returns what it printed. The result value is not
   * printed (echo is off): print() what you need. One line of printable ASCII up to 1,000
   * characters is typed as a REPL line; anything else (newlines, other characters, longer
   * code) is written to a new Storage file ".mote-eval<k>" and run with
   * `eval(require("Storage").read(".mote-eval<k>"))`, as a watch loads an app. A new file each
   * time because functions defined this way keep their code in that file (as on the watch), and
   * Espruino nulls them when the file is rewritten ("Function code is null"). `timeoutMs`
   * (default 60,000) interrupts runaway JS (not a single long native call) as Ctrl-C would.
   */
  eval(code: string, timeoutMs?: number): FirmwareEval;
  /**
   * require('Storage').write in chunks, binary-safe, any size that fits in Storage; a string is
   * written as UTF-8. Storage has no empty files: zero bytes throw the firmware's error.
   */
  writeFile(name: string, bytes: Uint8Array | string): void;
  /** The file's bytes, or null when there is no such file. */
  readFile(name: string): Uint8Array | null;
  erase(name: string): void;
  list(): string[];
  /** process.memory() (which runs a garbage collection first). */
  memory(): FirmwareMemory;
  /**
   * `reset()` at the REPL (a fresh interpreter: variables, functions, timers cleared), then
   * echo off again. Storage files stay, except the ".mote-eval<k>" files of eval, which are erased.
   */
  reset(): void;
  /** Stops the firmware; the instance can no longer be used. */
  close(): void;
}

const FIRMWARE_DIR = path.join(ROOT, 'targets/engines/espruino-firmware');
const EVAL_FILE = '.mote-eval';
const EVAL_FILES = '/^\\.mote-eval/';
const DEFAULT_TIMEOUT_MS = 60_000;
/** Longest code typed directly as one REPL line (longer code goes through Storage). */
const MAX_LINE = 1000;
/** Keep this many characters free in the firmware's 1,024-byte RX queue before pushing one. */
const RX_MARGIN = 80;
/**
 * Bytes per Storage.write chunk (base64 in one REPL line) and per Storage.read chunk (printed
 * as base64). 3 KB was the fastest on both boards (1 MB written in ~1.1 s on Bangle.js 2; 1.5 KB
 * took 1.9 s, 6 KB 1.9 s, 12 KB 2.7 s); 6 KB runs out of memory on Bangle.js 1. A chunk that
 * runs out of memory (little free memory left) is retried at half the size, down to 192 bytes.
 */
const CHUNK = 3072;
const MIN_CHUNK = 192;
/** What an out-of-memory line prints (Bangle.js 1 sometimes prints only the second). */
const OUT_OF_MEMORY = /MEMORY|Execution Interrupted/;

/** Firmware internals handed out by the injected code: the RX queue's use. */
interface Internals {
  eventsUsed(): number;
  charsFree(): number;
}
/** What one booted firmware scope returns (see factory()). */
export interface FirmwareScope {
  Module: {
    _jsInit(): number;
    _jsIdle(): number;
    _jsKill(): number;
    _jshPushIOCharEvent(device: number, ch: number): number;
  };
  DEVICE: number;
  jsHandleIO(): void;
  hwPinValue: Uint8Array;
  buttons: number[];
}
type Factory = (
  onConsoleOutput: (line: string) => void,
  jsUpdateGfx: () => void,
  req: NodeJS.Require,
  dirname: string,
  filename: string,
  module: object,
  moteHooks: MoteHooks,
) => FirmwareScope;
interface MoteHooks {
  tick(): boolean;
  out(ch: number): void;
  expose(internals: Internals): void;
}

const factories = new Map<FirmwareBoard, Factory>();

/** The three upstream files in one function scope, with the two injections described above. */
function factory(board: FirmwareBoard): Factory {
  const cached = factories.get(board);
  if (cached) return cached;
  const read = (f: string) => readFileSync(path.join(FIRMWARE_DIR, f), 'utf8');
  let emulator = read(`emulator_${board}.js`);
  const inject = (anchor: string, before: string, after: string) => {
    const parts = emulator.split(anchor);
    if (parts.length !== 2) throw new Error(`firmware ${board}: expected one "${anchor}" to hook`);
    emulator = parts[0] + before + anchor + after + parts[1];
  };
  inject(
    'function jslGetNextToken() {',
    '',
    ' if ((__moteCount = __moteCount - 1 | 0) < 0) { __moteCount = 10000; if (moteHooks.tick()) jspSetInterrupted(1); }',
  );
  inject(
    'function jsiCtrlC() {',
    'moteHooks.expose({ eventsUsed: function () { return jshGetEventsUsed(); }, ' +
      'charsFree: function () { return jshGetIOCharEventsFree(); } });\n',
    '',
  );
  const source = [
    'var __moteCount = 0;',
    read(`emu_${board}.js`),
    emulator,
    read('common.js'),
    ';jsRXCallback = undefined;',
    'jsHandleIO = function () { var d; while ((d = Module._jshGetDeviceToTransmit())) ' +
      'moteHooks.out(Module._jshGetCharToTransmit(d)); };',
    'return { Module: Module, DEVICE: DEVICE, jsHandleIO: jsHandleIO, hwPinValue: hwPinValue, ' +
      "buttons: [BTN1].concat(typeof BTN5 == 'undefined' ? [] : [BTN2, BTN3, BTN4, BTN5]) };",
  ].join('\n');
  const made = new Function(
    'onConsoleOutput',
    'jsUpdateGfx',
    'require',
    '__dirname',
    '__filename',
    'Module',
    'moteHooks',
    source,
  ) as Factory;
  factories.set(board, made);
  return made;
}

const ERROR_START = /Uncaught |OUT OF MEMORY|Execution Interrupted|New interpreter error|LOW_MEMORY/;

function splitError(text: string): FirmwareEval {
  const m = ERROR_START.exec(text);
  if (!m) return { output: text, error: null };
  // An error message starts a line; keep what was printed before that line as output.
  const lineStart = text.lastIndexOf('\n', m.index) + 1;
  const start = text.slice(lineStart, m.index).trim() === '' ? lineStart : m.index;
  return { output: text.slice(0, start), error: text.slice(start).trimEnd() };
}

function isPlainLine(code: string): boolean {
  return code.length <= MAX_LINE && /^[\x20-\x7e]*$/.test(code);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A booted firmware at byte level: what this driver and the bridge's virtual device share. */
export interface RawFirmware {
  scope: FirmwareScope;
  /**
   * Pushes `chars` (one byte each) into the console as they would arrive from the UART,
   * idling the firmware whenever its RX queue fills, and runs it until it has handled them.
   */
  type(chars: string): void;
  /** Runs the idle loop once and takes what the firmware printed; ms until it next needs to run. */
  pump(): number;
}

/**
 * Boots the firmware: everything it prints goes to `sink`; `tick()` is asked every 10,000
 * tokens whether to interrupt the running code (as Ctrl-C does on the watch).
 */
export async function bootRaw(
  board: FirmwareBoard,
  sink: (text: string) => void,
  tick: () => boolean,
): Promise<RawFirmware> {
  let internals: Internals | undefined;
  const hooks: MoteHooks = {
    tick,
    out: (ch) => sink(String.fromCharCode(ch)),
    expose: (i) => {
      internals = i;
    },
  };
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const initialised = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const scope = factory(board)(
    (line) => sink(line + '\n'),
    () => {},
    createRequire(import.meta.url),
    FIRMWARE_DIR,
    path.join(FIRMWARE_DIR, `emulator_${board}.js`),
    {
      onRuntimeInitialized: () => ready(),
      onAbort: (what: unknown) => failed(new Error(`firmware ${board} aborted: ${String(what)}`)),
      print: (s: string) => sink(s + '\n'),
      printErr: (s: string) => console.error(`[${board} firmware] ${s}`),
    },
    hooks,
  );
  await initialised;
  const M = scope.Module;
  const io = internals;
  if (!io) throw new Error(`firmware ${board}: internal hooks were not installed`);
  const pump = (): number => {
    const next = M._jsIdle();
    scope.jsHandleIO(); // the firmware flushes a full TX buffer itself; take what is left
    return next;
  };
  const type = (chars: string) => {
    for (let i = 0; i < chars.length; i++) {
      while (io.charsFree() < RX_MARGIN) pump();
      M._jshPushIOCharEvent(scope.DEVICE, chars.charCodeAt(i) & 0xff);
    }
    // run until every queued character has been handled, then once more: the end of the
    // idle loop flushes output, and is where a Ctrl-C clears the input line
    for (let guard = 0; io.eventsUsed() > 0; guard++) {
      if (guard > 100_000) throw new Error(`firmware ${board}: input queue does not drain`);
      pump();
    }
    pump();
  };
  // Buttons are active-low: 0 is "held", and a button held at boot or for long brings up
  // the Bangle's recovery menu / load(), which clears timers. Release them all first.
  for (const pin of scope.buttons) scope.hwPinValue[pin] = 1;
  M._jsInit();
  pump();
  return { scope, type, pump };
}

export async function bootFirmware(board: FirmwareBoard): Promise<Firmware> {
  let out = '';
  let deadline = Infinity;
  let timedOut = false;
  let closed = false;
  const raw = await bootRaw(
    board,
    (text) => {
      out += text;
    },
    () => {
      if (deadline === Infinity || performance.now() <= deadline) return false;
      timedOut = true;
      return true;
    },
  );
  const type = raw.type;
  out = '';

  const check = () => {
    if (closed) throw new Error(`firmware ${board} is closed`);
  };

  /** Types one REPL line (echo off) and returns everything printed meanwhile, "\r" removed. */
  const line = (code: string, timeoutMs = Infinity): string => {
    check();
    out = '';
    timedOut = false;
    deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
    try {
      type('\x10' + code + '\n');
    } finally {
      deadline = Infinity;
    }
    const text = out.replace(/\r/g, '');
    out = '';
    return text;
  };

  /** A line whose output must be clean: throws with the firmware's error otherwise. */
  const strict = (code: string): string => {
    const r = splitError(line(code));
    if (r.error !== null) throw new Error(`firmware ${board}: ${code.slice(0, 80)}: ${r.error}`);
    return r.output;
  };

  /**
   * Runs `step(offset, size)` over [0, total) in chunks of CHUNK bytes, halving a chunk that
   * runs out of memory; returns each chunk's output. Throws on any other error.
   */
  const chunked = (total: number, step: (off: number, size: number) => string): string[] => {
    const outputs: string[] = [];
    let size = CHUNK;
    for (let off = 0; off < total;) {
      const n = Math.min(size, total - off);
      const r = splitError(step(off, n));
      if (r.error !== null && OUT_OF_MEMORY.test(r.error) && size > MIN_CHUNK) {
        size >>= 1;
        continue;
      }
      if (r.error !== null) throw new Error(`firmware ${board}: at byte ${off}: ${r.error}`);
      outputs.push(r.output);
      off += n;
    }
    return outputs;
  };

  const writeFile = (name: string, data: Uint8Array | string) => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const n = JSON.stringify(name);
    if (bytes.length === 0) {
      strict(`require("Storage").write(${n},"")`);
      return;
    }
    chunked(bytes.length, (off, size) => {
      const data = toBase64(bytes.subarray(off, off + size));
      return line(`print(require("Storage").write(${n},atob("${data}"),${off},${bytes.length}))`);
    }).forEach((r, i) => {
      // Storage may print "Compacting..." (and a spinner) before it answers when flash fills up.
      const answer = r.trim().split('\n').pop()!.trim();
      if (answer !== 'true') throw new Error(`firmware ${board}: Storage.write ${name}, chunk ${i}: ${r}`);
    });
  };

  let evalFiles = 0;
  const fw: Firmware = {
    board,
    version: '',
    eval(code, timeoutMs = DEFAULT_TIMEOUT_MS) {
      let text: string;
      if (isPlainLine(code)) text = line(code, timeoutMs);
      else {
        const file = EVAL_FILE + evalFiles++;
        writeFile(file, code);
        text = line(`eval(require("Storage").read(${JSON.stringify(file)}))`, timeoutMs);
      }
      const r = splitError(text);
      if (timedOut)
        r.error = `${r.error ?? 'Execution Interrupted'}\n(interrupted by mote: eval exceeded ${timeoutMs} ms)`;
      return r;
    },
    writeFile,
    readFile(name) {
      const n = JSON.stringify(name);
      const len = Number(
        strict(`print((function(s){return s===undefined?-1:s.length})(require("Storage").read(${n})))`),
      );
      if (len < 0) return null;
      const parts = chunked(len, (off, size) =>
        line(`print(btoa(require("Storage").read(${n},${off},${size})))`),
      ).map((b64) => Buffer.from(b64, 'base64'));
      const all = Buffer.concat(parts);
      if (all.length !== len)
        throw new Error(`firmware ${board}: read ${all.length} of ${len} bytes of ${name}`);
      return new Uint8Array(all.buffer, all.byteOffset, all.length);
    },
    erase(name) {
      strict(`require("Storage").erase(${JSON.stringify(name)})`);
    },
    list() {
      return JSON.parse(strict('print(JSON.stringify(require("Storage").list()))')) as string[];
    },
    memory() {
      const m = JSON.parse(strict('print(JSON.stringify(process.memory()))')) as FirmwareMemory;
      return { free: m.free, usage: m.usage, total: m.total, blocksize: m.blocksize };
    },
    reset() {
      line('reset()');
      line('echo(0)');
      if (evalFiles > 0)
        strict(`require("Storage").list(${EVAL_FILES}).forEach(function(f){require("Storage").erase(f)})`);
      evalFiles = 0;
    },
    close() {
      closed = true;
    },
  };

  line('echo(0)');
  fw.version = strict('print(process.env.VERSION)').trim();
  return fw;
}
