// The emulated device's JavaScript engine: QuickJS with the target's heap limit (as
// targets/engines/quickjs.ts runs the runtime bundle), plus the Espruino globals the bridge
// uses: print, console.log, echo, atob, btoa, getTime, process.memory, E.CRC32,
// E.toArrayBuffer and require("Storage") (write/read/readArrayBuffer/list/erase), backed
// by a folder. Only these are emulated; see docs/DEVICES.md.
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import { crc32 } from '../../src/runtime/crc32.js';
import { dumpError, heapUsed } from '../../targets/engines/quickjs.js';
import { ESPRUINO_NATIVES_SOURCE } from '../../targets/engines/espruino.js';
import type { Target } from '../../targets/target.js';
import type { FolderStorage } from './folder-storage.js';
import { KALUMA_SHIM } from './kaluma-shim.js';

export interface EspruinoVmOptions {
  target: Target;
  storage: FolderStorage;
  /** Receives what the device prints (already with Espruino's \r\n line ends). */
  print: (text: string) => void;
  /** Receives echo(on) calls. */
  setEcho: (on: boolean) => void;
  /** Wall-clock budget of one input line, in ms. Default 60 s. */
  lineTimeoutMs?: number;
  /** Which engine's globals to provide: Espruino's (default) or Kaluma's (kaluma-shim.ts). */
  dialect?: 'espruino' | 'kaluma';
}

export type EvalResult =
  | { ok: true; repr: string }
  | {
      ok: false;
      name: string;
      message: string;
      /**
       * 'memory': the heap ran out; 'interrupted': the line was stopped (its time budget, or a
       * fault); undefined: an exception nothing caught.
       */
      kind?: 'memory' | 'interrupted';
      /** Where an uncaught exception was thrown, as QuickJS reports it ("    at ..." lines). */
      trace: string[];
    };

/** Espruino's block ("JsVar") size on the target: Bangle.js 2 counts 14-byte variables. */
function blockSize(target: Target): number {
  return target.engine === 'espruino' ? 14 : 16;
}

// ES5, evaluated once in the VM after the host functions (__h*) are installed.
const SHIM = `
var global = this;
(function (g) {
  // Binary strings cross to the host as ArrayBuffers: a host string would stop at a NUL.
  function ab(d) {
    var b, i;
    if (typeof d === 'string') {
      b = new Uint8Array(d.length);
      for (i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 255;
      return b.buffer;
    }
    if (d instanceof ArrayBuffer) return d;
    if (d && d.buffer instanceof ArrayBuffer) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice().buffer;
    if (Array.isArray(d)) return new Uint8Array(d).buffer;
    return ab(JSON.stringify(d));
  }
  function show(v) {
    if (typeof v === 'string') return v;
    try { var j = JSON.stringify(v); return j === undefined ? String(v) : j; } catch (e) { return String(v); }
  }
  function out(args) {
    var a = [], i;
    for (i = 0; i < args.length; i++) a.push(show(args[i]));
    __hPrint(a.join(' '));
  }
  g.print = function () { out(arguments); };
  g.console = { log: function () { out(arguments); } };
  g.echo = function (on) { __hEcho(!!on); };
  // Binary strings come from the host as JSON text (NUL escaped), parsed in one allocation.
  g.atob = function (s) { return JSON.parse(__hAtob(String(s))); };
  g.btoa = function (s) { return __hBtoa(ab(s)); };
  g.getTime = function () { return __hTime(); };
  g.process = { memory: function () {
    var m = __hMemory(), bs = ${'${BLOCK}'};
    var used = Math.ceil(m[0] / bs), total = Math.floor(m[1] / bs);
    return { free: total - used, usage: used, total: total, history: 0, gc: 0, gctime: 0, blocksize: bs };
  } };
  var E = g.E || (g.E = {});
  E.CRC32 = function (d) { return __hCrc(ab(d)); };
  E.toArrayBuffer = function (s) {
    s = String(s);
    var b = new Uint8Array(s.length), i;
    for (i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255;
    return b.buffer;
  };
  var Storage = {
    write: function (name, data, offset, size) { return __hWrite(String(name), ab(data), offset, size); },
    read: function (name, offset, length) { var j = __hRead(String(name), offset, length); return j === undefined ? undefined : JSON.parse(j); },
    readArrayBuffer: function (name) { return __hReadAB(String(name)); },
    list: function () { return JSON.parse(__hList()); },
    erase: function (name) { __hErase(String(name)); }
  };
  g.require = function (n) {
    if (n === 'Storage') return Storage;
    throw new Error('Module ' + n + ' not found');
  };
})(this);
`;

export class EspruinoVm {
  private deadline = 0;
  private reason: 'timeout' | 'memory' | 'interrupted' | undefined;
  private readonly limit: number;

  private constructor(
    private readonly rt: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
    private readonly opts: EspruinoVmOptions,
  ) {
    this.limit = opts.target.emulatorMemoryBytes;
  }

  static async create(opts: EspruinoVmOptions): Promise<EspruinoVm> {
    const qjs = await getQuickJS();
    const rt = qjs.newRuntime();
    rt.setMaxStackSize(256 * 1024);
    const ctx = rt.newContext();
    const vm = new EspruinoVm(rt, ctx, opts);
    vm.install();
    rt.setMemoryLimit(vm.limit);
    const setup = (code: string, file: string) => {
      const r = vm.eval(code, file);
      if (!r.ok) throw new Error(`mote: emulated device setup failed in ${file}: ${r.name}: ${r.message}`);
    };
    if (opts.dialect === 'kaluma') setup(KALUMA_SHIM, 'kaluma.js');
    else {
      // Espruino's native helpers (E.convolve, E.sum) exist on Espruino targets only.
      if (opts.target.engine === 'espruino') setup(ESPRUINO_NATIVES_SOURCE, 'natives.js');
      setup(SHIM.replace('${BLOCK}', String(blockSize(opts.target))), 'espruino.js');
    }
    return vm;
  }

  /** Runs one line of input at the top level; errors come back as Espruino would print them. */
  eval(code: string, file = 'REPL', strict = false): EvalResult {
    const ctx = this.ctx;
    this.reason = undefined;
    this.deadline = Date.now() + (this.opts.lineTimeoutMs ?? 60_000);
    // QuickJS calls this every ~10,000 operations; reading the heap size formats its whole
    // memory report, so it is sampled every 8th call (it dominated the emulated run time).
    let calls = 0;
    this.rt.setInterruptHandler(() => {
      if (Date.now() > this.deadline) this.reason ??= 'timeout';
      if ((calls++ & 7) === 0 && heapUsed(this.rt) > this.limit) this.reason ??= 'memory';
      return this.reason !== undefined;
    });
    const r = ctx.evalCode(code, file, { type: 'global', strict });
    this.rt.removeInterruptHandler();
    if (r.error) {
      const trace = this.reason ? [] : stackOf(ctx, r.error);
      const e = dumpError(ctx, r.error, this.limit);
      if (this.reason === 'memory' || /out of memory/.test(e.message))
        return {
          ok: false,
          name: 'InternalError',
          message: `out of memory (heap limit ${this.limit} bytes)`,
          kind: 'memory',
          trace,
        };
      if (this.reason === 'timeout' || this.reason === 'interrupted')
        return {
          ok: false,
          name: 'InternalError',
          message: this.reason === 'timeout' ? 'execution interrupted (timeout)' : 'execution interrupted',
          kind: 'interrupted',
          trace,
        };
      return { ok: false, name: e.name || 'Error', message: e.message, trace };
    }
    try {
      const t = ctx.typeof(r.value);
      const repr =
        t === 'string'
          ? JSON.stringify(ctx.getString(r.value))
          : t === 'undefined'
            ? 'undefined'
            : JSON.stringify(ctx.dump(r.value));
      return { ok: true, repr: repr ?? t };
    } catch {
      return { ok: true, repr: '?' };
    } finally {
      r.value.dispose();
    }
  }

  /** Bytes of QuickJS heap in use, and the limit. */
  memory(): { used: number; limit: number } {
    return { used: heapUsed(this.rt), limit: this.limit };
  }

  dispose(): void {
    this.ctx.dispose();
    this.rt.dispose();
  }

  private install(): void {
    const { ctx, opts } = this;
    const storage = opts.storage;
    const fn = (name: string, f: (...args: QuickJSHandle[]) => QuickJSHandle | undefined) => {
      const h = ctx.newFunction(name, (...args) => {
        try {
          return f(...args);
        } catch (e) {
          return { error: ctx.newError((e as Error).message) };
        }
      });
      ctx.setProp(ctx.global, name, h);
      h.dispose();
    };
    const str = (h: QuickJSHandle | undefined) => (h === undefined ? '' : ctx.getString(h));
    /** A copy of an ArrayBuffer's bytes from the VM. */
    const bytes = (h: QuickJSHandle | undefined): Buffer => {
      if (h === undefined) return Buffer.alloc(0);
      const life = ctx.getArrayBuffer(h);
      try {
        return Buffer.from(life.value);
      } finally {
        life.dispose();
      }
    };
    const optNumber = (h: QuickJSHandle | undefined) =>
      h === undefined || ctx.typeof(h) !== 'number' ? undefined : ctx.getNumber(h);
    fn('__hPrint', (t) => {
      opts.print(`${str(t)}\r\n`);
      return undefined;
    });
    fn('__hEcho', (on) => {
      opts.setEcho(ctx.dump(on) === true);
      return undefined;
    });
    fn('__hAtob', (s) => ctx.newString(binaryJson(Buffer.from(str(s), 'base64'))));
    fn('__hAtobAB', (s) => {
      const b = Buffer.from(str(s), 'base64');
      return ctx.newArrayBuffer(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    });
    fn('__hUtf8', (b) => ctx.newString(bytes(b).toString('utf8')));
    fn('__hBtoa', (b) => ctx.newString(bytes(b).toString('base64')));
    fn('__hTime', () => ctx.newNumber((performance.timeOrigin + performance.now()) / 1000));
    fn('__hMemory', () => {
      const a = ctx.newArray();
      const used = ctx.newNumber(heapUsed(this.rt));
      const limit = ctx.newNumber(this.limit);
      ctx.setProp(a, 0, used);
      ctx.setProp(a, 1, limit);
      used.dispose();
      limit.dispose();
      return a;
    });
    fn('__hCrc', (h) => {
      const b = bytes(h);
      return ctx.newNumber(crc32(b, 0, b.length));
    });
    fn('__hWrite', (name, data, offset, size) =>
      storage.write(str(name), bytes(data), optNumber(offset), optNumber(size)) ? ctx.true : ctx.false,
    );
    // Storage.read(name, offset, length): from `offset`, `length` bytes (to the end when
    // length is missing or <= 0), as Espruino's (espruino.com/Reference#l_Storage_read).
    fn('__hRead', (name, offset, length) => {
      const b = storage.read(str(name));
      if (b === undefined) return ctx.undefined;
      const from = Math.max(0, Math.min(b.length, optNumber(offset) ?? 0));
      const n = optNumber(length) ?? 0;
      return ctx.newString(binaryJson(b.subarray(from, n > 0 ? Math.min(b.length, from + n) : b.length)));
    });
    // Fault injection (device.ts): the line stops at the next interrupt check, as out of memory or interrupted.
    fn('__hTrip', (kind) => {
      this.reason = str(kind) === 'out-of-memory' ? 'memory' : 'interrupted';
      return undefined;
    });
    fn('__hReadAB', (name) => {
      const b = storage.read(str(name));
      return b === undefined
        ? ctx.undefined
        : ctx.newArrayBuffer(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    });
    fn('__hList', () => ctx.newString(JSON.stringify(storage.list())));
    fn('__hErase', (name) => {
      storage.erase(str(name));
      return undefined;
    });
  }
}

/** The "    at ..." lines of an exception's stack, or none. */
function stackOf(ctx: QuickJSContext, error: QuickJSHandle): string[] {
  try {
    if (ctx.typeof(error) !== 'object') return [];
    const h = ctx.getProp(error, 'stack');
    try {
      if (ctx.typeof(h) !== 'string') return [];
      return ctx
        .getString(h)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('at '))
        .map((l) => `    ${l}`);
    } finally {
      h.dispose();
    }
  } catch {
    return [];
  }
}

/** A binary string (one char per byte) as JSON text: the host-to-VM string cannot hold NUL. */
function binaryJson(b: Buffer): string {
  return JSON.stringify(b.toString('latin1'));
}
