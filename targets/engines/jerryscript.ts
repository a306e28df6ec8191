// Kaluma's JavaScript engine as a test engine: JerryScript 2.4 (Kaluma's fork, the commit
// Kaluma 1.2.1 pins) configured as Kaluma builds it for the Raspberry Pi Pico (RP2040): es.next
// profile, 180 KB static heap, 32-bit compressed pointers, memory statistics, snapshot
// execution, line info, VM exec stop, no property hashmap or lookup cache. Compiled to wasm by
// emscripten into ./jerryscript/jerry-kaluma-pico.cjs (see jerryscript/SOURCE.md and
// build.sh). Booted in Node, synchronously, with no native toolchain.
//
// What the engine offers to code (jerryscript/mote_jerry.c; names, arguments and results as
// Kaluma 1.2.1's, whose sources are cited in SOURCE.md):
// - print(...args): the arguments' String() separated by spaces, NO newline (Kaluma's print);
//   console.log/console.error: the same, then "\n" (Kaluma adds ANSI colour codes; not here).
// - process.memoryUsage() -> { heapTotal, heapUsed, heapPeak } (jerry_get_memory_stats),
//   process.arch "cortex-m0-plus", process.platform "rp2", process.version "1.2.1",
//   process.builtin_modules ["fs"].
// - require("fs") (cached, like Kaluma's Module.require); any other id throws
//   Error("Failed to load module: <id>").
// - fs, with "/" mounted on the host folder `dir` and cwd "/":
//     open(path, flags = "r") -> fd            flags as Kaluma: r r+ w wx w+ wx+ a ax a+ ax+
//     read(fd, buffer, offset?, length?, position?) -> bytes read
//     write(fd, buffer, offset?, length?, position?) -> bytes written
//       buffer: a TypedArray. offset (default 0) counts from the start of the view's
//       ArrayBuffer: Kaluma ignores the view's byteOffset, so read into a view at offset 0
//       of its buffer (or pass byteOffset + offset yourself). length defaults to the view's
//       byteLength; position >= 0 seeks there first (and the file position moves on from
//       there, as LittleFS seeks), otherwise the read/write is at the current position.
//       Outside the ArrayBuffer: RangeError here (Kaluma checks nothing).
//     close(fd); stat(path) -> Stats { type: 1 file | 2 dir, size, isFile(), isDirectory() }
//     exists(path) -> boolean; readFile(path) -> Uint8Array (on the JerryScript heap)
//     writeFile(path, typedArray): as Kaluma's write(fd, data, 0, data.length, 0), i.e.
//       data.length BYTES from the start of its ArrayBuffer (pass a Uint8Array at byteOffset
//       0; a Float32Array writes a quarter of itself); strings are rejected (TypeError).
//     unlink(path); rename(a, b);
//     mkdir(path); rmdir(path); rm(path); readdir(path) -> names; cwd() -> "/"
//   Errors are SystemError (extends Error; String(e) "Error: No such file or directory"),
//   with errno -2 (negative errno, as LittleFS).
// - btoa(Uint8Array | string) -> string; atob(string) -> Uint8Array whose bytes are outside the
//   JerryScript heap (an external ArrayBuffer, as Kaluma's). Kaluma copies atob's argument to
//   the C stack: large strings are a risk on the device that this build does not model.
// - global, SystemError.
// Not provided: Kaluma's hardware modules, timers (setTimeout...), TextEncoder/TextDecoder,
// the other builtin modules; Kaluma registers its own magic strings (property names kept in
// flash) and its boot code (board.js, mounting LittleFS) holds heap this engine does not use,
// so heap figures here are a lower bound of Kaluma's by a few KB.
//
// Scripts are parsed in strict mode (as Kaluma's REPL and its program loader do). Running
// out of the 180 KB heap is JerryScript's fatal error ERR_OUT_OF_MEMORY (jerry_port_fatal;
// on Kaluma the board restarts): here the wasm stack is unwound by a JS exception, eval
// returns `fatal: 'out of memory'` and the instance is dead (every later call throws); boot a
// fresh one. Node is unaffected.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../src/build/paths.js';

export const JERRY_DIR = path.join(ROOT, 'targets/engines/jerryscript');
/** The engine's build for a heap size (build.sh with HEAP_KB; 180 KB is Kaluma's Pico). */
export function jerryBuildFile(heapKB: number): string {
  return path.join(JERRY_DIR, heapKB === 180 ? 'jerry-kaluma-pico.cjs' : `jerry-kaluma-${heapKB}k.cjs`);
}

export interface JerryOptions {
  /** JerryScript's static heap (JERRY_GLOBAL_HEAP_SIZE). Default 180 (Kaluma on the Pico);
   * other sizes need their own build (build.sh with HEAP_KB). */
  heapKB?: number;
  /** Host folder mounted on "/" for fs. Default: a new temporary folder, deleted by close(). */
  dir?: string;
}

/**
 * What one eval did. `output`: what print/console wrote. `error`: null, or the uncaught
 * exception's String() ("TypeError: x is not a function", "SyntaxError: ...", a thrown
 * non-Error's text), "Aborted (timeout after N ms)", or for a fatal error "JerryScript fatal:
 * out of memory (heap 180 KB)". `fatal`: null, or 'out of memory' (ERR_OUT_OF_MEMORY), 'ref
 * count limit', 'disabled byte code', 'unterminated GC loops', 'internal assertion', or
 * 'crashed: <message>' (a wasm trap); after a fatal error the engine is dead.
 */
export interface JerryEval {
  output: string;
  error: string | null;
  fatal: string | null;
}
/** jerry_get_memory_stats: bytes. `heapSize` is the usable heap (180 KB minus headers). */
export interface JerryMemory {
  heapSize: number;
  allocated: number;
  peak: number;
}
export interface Jerry {
  /** e.g. "JerryScript 2.4.0 (kaluma-project/jerryscript 984c39fa) as Kaluma 1.2.1 for the Pico, heap 180 KB" */
  version: string;
  heapKB: number;
  /** The host folder mounted on "/". */
  dir: string;
  /** Runs a script (strict mode) and its promise jobs. `timeoutMs` (default 60,000) aborts
   * runaway JS through JerryScript's VM exec stop callback (uncatchable, the engine lives). */
  eval(code: string, timeoutMs?: number): JerryEval;
  /** The heap statistics (after a garbage collection when `gc` is true; default false).
   * Also readable after a fatal error: the figures when the engine died. */
  memory(gc?: boolean): JerryMemory;
  /** Sets the peak to what is allocated now, to measure the peak of what follows. */
  resetPeak(): void;
  /** jerry_gc(JERRY_GC_PRESSURE_HIGH). */
  gc(): void;
  /** Writes a file into the host folder (name relative to "/"). */
  writeFile(name: string, bytes: Uint8Array | string): void;
  /** A file's bytes from the host folder, or null. */
  readFile(name: string): Uint8Array | null;
  /** Non-null once a fatal error killed the instance. */
  readonly fatal: string | null;
  /** Drops the instance, closes its files, deletes the folder if it made it. */
  close(): void;
}

const FATAL_NAMES: Record<number, string> = {
  10: 'out of memory',
  12: 'ref count limit',
  13: 'disabled byte code',
  14: 'unterminated GC loops',
  120: 'internal assertion',
};
const DEFAULT_TIMEOUT_MS = 60_000;
const VERSION = 'JerryScript 2.4.0 (kaluma-project/jerryscript 984c39fa) as Kaluma 1.2.1 for the Pico';

class JerryFatal extends Error {
  constructor(readonly code: number) {
    super(`JerryScript fatal ${code}`);
  }
}

interface HostFs {
  open(p: string, flags: number): number;
  close(id: number): number;
  read(id: number, into: Uint8Array, position: number): number;
  write(id: number, from: Uint8Array, position: number): number;
  stat(p: string): { type: number; size?: number };
  pathOp(op: number, a: string, b: string): number;
  readdir(p: string): string[] | number;
}
// The project's TypeScript lib has no WebAssembly typings (see src/wasm/instance.ts): the
// parts used, typed here.
type WasmModule = object;
type WasmInstance = { exports: object };
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface EmModule {
  onOutput(stream: number, bytes: Uint8Array): void;
  onFatal(code: number): never;
  hostFs: HostFs;
  instantiateWasm(imports: object, receive: (instance: WasmInstance, module: WasmModule) => void): object;
  calledRun?: boolean;
  HEAPU8: Uint8Array;
  HEAPF64: Float64Array;
  _mote_init(): number;
  _mote_eval(src: number, len: number, deadline: number): number;
  _mote_memory(out: number): void;
  _mote_reset_peak(): void;
  _mote_gc(): void;
  _malloc(n: number): number;
  _free(p: number): void;
}
type Factory = (m: Partial<EmModule>) => Promise<EmModule>;

const builds = new Map<number, { factory: Factory; wasm: WasmModule }>();

function build(heapKB: number) {
  const cached = builds.get(heapKB);
  if (cached) return cached;
  const file = jerryBuildFile(heapKB);
  if (!nodeFs.existsSync(file)) {
    throw new Error(
      `no JerryScript build for a ${heapKB} KB heap (${file}); run build.sh with HEAP_KB=${heapKB}`,
    );
  }
  const factory = createRequire(import.meta.url)(file) as Factory;
  // Compile the embedded wasm once per process; every boot instantiates it afresh.
  const m = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: no embedded wasm`);
  const wasm = new Wasm.Module(Buffer.from(m[1], 'base64'));
  const made = { factory, wasm };
  builds.set(heapKB, made);
  return made;
}

/** Negative errno for a Node fs error (LittleFS uses the same numbers). */
function errno(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  const table: Record<string, number> = {
    ENOENT: -2,
    EIO: -5,
    EBADF: -9,
    ENOMEM: -12,
    EEXIST: -17,
    ENOTDIR: -20,
    EISDIR: -21,
    EINVAL: -22,
    EFBIG: -27,
    ENOSPC: -28,
    ENAMETOOLONG: -36,
    ENOTEMPTY: -39,
  };
  return (code && table[code]) || -5;
}

/** Kaluma's VFS open flags (fs.js) as Node's. */
function nodeFlags(vfs: number): number {
  const c = nodeFs.constants;
  const READ = 1,
    WRITE = 2,
    CREATE = 4,
    APPEND = 8,
    EXCL = 16,
    TRUNC = 32;
  if (!vfs) return -1;
  const rd = (vfs & READ) !== 0;
  const wr = (vfs & (WRITE | APPEND)) !== 0;
  let f = rd && wr ? c.O_RDWR : wr ? c.O_WRONLY : c.O_RDONLY;
  if (vfs & (CREATE | TRUNC | APPEND | EXCL)) f |= c.O_CREAT;
  if (vfs & TRUNC) f |= c.O_TRUNC;
  if (vfs & APPEND) f |= c.O_APPEND;
  if (vfs & EXCL) f |= c.O_EXCL;
  return f;
}

/** An open host file: LittleFS's file position (a read or write at `position` >= 0 seeks
 * there first and moves it, as lfs_file_seek + lfs_file_read do). */
interface OpenFile {
  pos: number;
  append: boolean;
}

function hostFs(dir: string, open: Map<number, OpenFile>): HostFs {
  // Kaluma's path.resolve from cwd "/": "." and ".." resolved, never above "/".
  const resolve = (p: string): string => {
    const out: string[] = [];
    for (const t of p.split('/')) {
      if (t === '' || t === '.') continue;
      if (t === '..') out.pop();
      else out.push(t);
    }
    return path.join(dir, ...out);
  };
  const guard =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R | number => {
      try {
        return f(...a);
      } catch (e) {
        return errno(e);
      }
    };
  return {
    open: guard((p: string, flags: number) => {
      const f = nodeFlags(flags);
      if (f < 0) return -22;
      const fd = nodeFs.openSync(resolve(p), f, 0o666);
      open.set(fd, { pos: 0, append: (flags & 8) !== 0 });
      return fd;
    }),
    close: guard((id: number) => {
      open.delete(id);
      nodeFs.closeSync(id);
      return 0;
    }),
    read: guard((id: number, into: Uint8Array, position: number) => {
      const f = open.get(id);
      if (!f) return -9;
      if (position >= 0) f.pos = position;
      const n = nodeFs.readSync(id, into, 0, into.length, f.pos);
      f.pos += n;
      return n;
    }),
    write: guard((id: number, from: Uint8Array, position: number) => {
      const f = open.get(id);
      if (!f) return -9;
      if (position >= 0) f.pos = position;
      const n = nodeFs.writeSync(id, from, 0, from.length, f.append ? null : f.pos);
      f.pos = f.append ? nodeFs.fstatSync(id).size : f.pos + n;
      return n;
    }),
    stat: (p: string) => {
      try {
        const s = nodeFs.statSync(resolve(p));
        return { type: s.isDirectory() ? 2 : 1, size: s.isDirectory() ? 0 : s.size };
      } catch (e) {
        return { type: errno(e) };
      }
    },
    pathOp: guard((op: number, a: string, b: string) => {
      if (op === 1) nodeFs.unlinkSync(resolve(a));
      else if (op === 2) nodeFs.mkdirSync(resolve(a));
      else if (op === 3) nodeFs.rmdirSync(resolve(a));
      else if (op === 4) nodeFs.renameSync(resolve(a), resolve(b));
      else return -22;
      return 0;
    }),
    readdir: guard((p: string) => nodeFs.readdirSync(resolve(p)).sort()),
  } as HostFs;
}

/** Boots a fresh JerryScript (a new wasm instance: ~10 ms once the build is compiled). */
export function bootJerry(options: JerryOptions = {}): Jerry {
  const heapKB = options.heapKB ?? 180;
  const { factory, wasm } = build(heapKB);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'mote-jerry-'));
  const openFds = new Map<number, OpenFile>();
  let chunks: { stream: number; bytes: Uint8Array }[] = [];
  let fatal: string | null = null;
  let closed = false;

  const mod: Partial<EmModule> = {
    onOutput: (stream, bytes) => void chunks.push({ stream, bytes }),
    onFatal: (code) => {
      throw new JerryFatal(code);
    },
    hostFs: hostFs(dir, openFds),
    instantiateWasm(imports, receive) {
      const instance = new Wasm.Instance(wasm, imports);
      receive(instance, wasm);
      return instance.exports;
    },
  };
  void factory(mod);
  const M = mod as EmModule;
  if (!M.calledRun) throw new Error('JerryScript: the wasm module did not start synchronously');

  const text = (stream: number) => {
    const parts = chunks.filter((c) => c.stream === stream).map((c) => c.bytes);
    return Buffer.concat(parts).toString('utf8');
  };
  const fatalText = (e: unknown): string =>
    e instanceof JerryFatal
      ? (FATAL_NAMES[e.code] ?? `fatal code ${e.code}`)
      : `crashed: ${e instanceof Error ? e.message : String(e)}`;
  const alive = () => {
    if (closed) throw new Error('JerryScript: the engine is closed');
    if (fatal) throw new Error(`JerryScript: the engine died (${fatal}); boot a fresh one`);
  };
  /** Runs a wasm call; a fatal error or trap kills the instance. */
  const guarded = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      fatal = fatalText(e);
      return undefined;
    }
  };

  guarded(() => M._mote_init());
  if (fatal) throw new Error(`JerryScript: boot failed (${fatal})`);

  const statsPtr = M._malloc(24);
  const memory = (gc = false): JerryMemory => {
    if (closed) throw new Error('JerryScript: the engine is closed');
    // After a fatal error the statistics are still readable: what was allocated when the
    // heap ran out, and the peak.
    if (gc && !fatal) guarded(() => M._mote_gc());
    M._mote_memory(statsPtr);
    const f = M.HEAPF64;
    return { heapSize: f[statsPtr >> 3], allocated: f[(statsPtr >> 3) + 1], peak: f[(statsPtr >> 3) + 2] };
  };

  return {
    version: `${VERSION}, heap ${heapKB} KB`,
    heapKB,
    dir,
    get fatal() {
      return fatal;
    },
    eval(code: string, timeoutMs = DEFAULT_TIMEOUT_MS): JerryEval {
      alive();
      chunks = [];
      const src = Buffer.from(code, 'utf8');
      const p = M._malloc(src.length + 1);
      M.HEAPU8.set(src, p);
      const deadline = Date.now() + timeoutMs;
      const failed = guarded(() => M._mote_eval(p, src.length, deadline));
      if (fatal) {
        return {
          output: text(1),
          error: `JerryScript fatal: ${fatal}${fatal === 'out of memory' ? ` (heap ${heapKB} KB)` : ''}`,
          fatal,
        };
      }
      M._free(p);
      let error = failed ? text(2) : null;
      if (error === 'Aborted' && Date.now() >= deadline) error = `Aborted (timeout after ${timeoutMs} ms)`;
      return { output: text(1), error, fatal: null };
    },
    memory,
    resetPeak() {
      alive();
      M._mote_reset_peak();
    },
    gc() {
      alive();
      guarded(() => M._mote_gc());
    },
    writeFile(name: string, bytes: Uint8Array | string) {
      const file = path.join(dir, name);
      nodeFs.mkdirSync(path.dirname(file), { recursive: true });
      nodeFs.writeFileSync(file, bytes);
    },
    readFile(name: string): Uint8Array | null {
      const file = path.join(dir, name);
      return nodeFs.existsSync(file) ? new Uint8Array(nodeFs.readFileSync(file)) : null;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of openFds.keys()) {
        try {
          nodeFs.closeSync(fd);
        } catch {
          // already closed
        }
      }
      openFds.clear();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
