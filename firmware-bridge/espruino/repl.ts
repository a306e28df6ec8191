// The host side of Espruino's REPL: take control of it (Ctrl-C, echo off), then send one
// line per request and read its answer framed by markers that JSON can never contain.
//
// A request is a JS function body written by mote (never user text: data crosses as base64
// literals). The device runs it inside try/catch and prints
//   \x01<id>\x02<JSON [0, value] or [1, error message]>\x04
// JSON.stringify escapes every control character, so the frame cannot be forged by data.
import { LinkClosedError, type Transport } from '../transport/transport.js';

export interface ReplOptions {
  /** Default time to wait for an answer, in ms. */
  timeoutMs?: number;
  /** Receives everything the device prints that is not an answer (for --verbose). */
  onNoise?: (text: string) => void;
  /**
   * 'espruino' (default): lines end in \n and start with DLE; sloppy-mode code.
   * 'kaluma': Kaluma's REPL (src/repl.c) ends a line at \r only, has no DLE or Ctrl-C
   * handling, turns echo off with '.echo off', and parses each line in strict mode.
   */
  dialect?: 'espruino' | 'kaluma';
}

/** A request got no answer in time: the device is busy, hung, or not an Espruino REPL. */
export class DeviceTimeoutError extends Error {
  constructor(port: string, what: string, ms: number) {
    super(
      `mote: no answer from ${port} within ${ms} ms while ${what}; is the device on, running ` +
        "Espruino (or Kaluma) at the port's baud rate, and not connected to another program (e.g. the Web IDE)?",
    );
    this.name = 'DeviceTimeoutError';
  }
}

/** The device reported an error (thrown inside the request, or an uncaught error). */
export class DeviceError extends Error {
  constructor(port: string, what: string, message: string) {
    super(`mote: ${port} failed while ${what}: ${message}`);
    this.name = 'DeviceError';
  }
}

interface Pending {
  id: string;
  what: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const CTRL_C = '\x03';
/** Espruino: a line starting with DLE (0x10) is neither echoed nor has its result printed. */
const DLE = '\x10';

export class EspruinoRepl {
  private text = '';
  private pending: Pending | undefined;
  private closedReason: string | undefined;
  private seq = 0;
  private readonly salt = Math.floor(Math.random() * 0xffff).toString(36);
  readonly timeoutMs: number;
  readonly dialect: 'espruino' | 'kaluma';
  /** The expression naming the global object in this dialect (code uses it for globals). */
  readonly global: string;

  constructor(
    readonly link: Transport,
    private readonly opts: ReplOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.dialect = opts.dialect ?? 'espruino';
    this.global = this.dialect === 'kaluma' ? 'globalThis' : 'global';
    link.onData((d) => this.receive(Buffer.from(d).toString('latin1')));
    link.onClose((reason) => {
      this.closedReason = reason;
      const p = this.pending;
      if (p) {
        this.pending = undefined;
        clearTimeout(p.timer);
        p.reject(new LinkClosedError(link.name, reason));
      }
    });
  }

  /**
   * Stops whatever the REPL was doing (Ctrl-C clears a half-typed line, e.g. one cut by an
   * interrupted flash), turns echo off, and checks that requests get answers.
   */
  async takeControl(): Promise<void> {
    if (this.dialect === 'kaluma') {
      // A carriage return ends any half-typed line (its error is discarded below).
      await this.link.write('\r');
      await delay(50);
      await this.link.write('.echo off\r');
    } else {
      await this.link.write(CTRL_C);
      await delay(50);
      await this.link.write(`${CTRL_C}${DLE}echo(0)\n`);
    }
    // Whatever the REPL printed before (echo, prompts) is noise: answers are framed by id.
    await delay(20);
    this.text = '';
    const v = await this.call('return 1', 'taking control of the REPL');
    if (v !== 1)
      throw new DeviceError(
        this.link.name,
        'taking control of the REPL',
        `unexpected answer ${JSON.stringify(v)}`,
      );
  }

  /** Runs a statement at the top level (e.g. eval of a stored script), then waits for it to finish. */
  async exec(statement: string, what: string, timeoutMs?: number): Promise<void> {
    await this.send(`${statement};`, 'return 1', what, timeoutMs);
  }

  /** Runs `body` (a function body written by mote) on the device and returns its JSON value. */
  call(body: string, what: string, timeoutMs?: number): Promise<unknown> {
    return this.send('', body, what, timeoutMs);
  }

  private async send(prefix: string, body: string, what: string, timeoutMs?: number): Promise<unknown> {
    if (this.closedReason) throw new LinkClosedError(this.link.name, this.closedReason);
    if (this.pending)
      throw new Error(`mote: internal: request '${what}' sent while '${this.pending.what}' is pending`);
    const id = `${this.salt}.${++this.seq}`;
    const kaluma = this.dialect === 'kaluma';
    const line =
      `${kaluma ? '' : DLE}${prefix}(function(){var r;try{r=[0,(function(){${body}})()]}catch(e){r=[1,""+(e&&e.message||e)]}` +
      `${kaluma ? 'console.log' : 'print'}("\\u0001${id}\\u0002"+JSON.stringify(r)+"\\u0004")})()${kaluma ? '\r' : '\n'}`;
    const ms = timeoutMs ?? this.timeoutMs;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new DeviceTimeoutError(this.link.name, what, ms));
      }, ms);
      this.pending = { id, what, resolve, reject, timer };
    });
    this.text = '';
    try {
      await this.link.write(line);
    } catch (e) {
      // Narrowing thinks `pending` is still unset here; the executor above set it.
      const p = this.pending as Pending | undefined;
      if (p) {
        clearTimeout(p.timer);
        this.pending = undefined;
      }
      answer.catch(() => undefined);
      throw e;
    }
    return answer;
  }

  private receive(chunk: string): void {
    this.text += chunk;
    const p = this.pending;
    if (!p) {
      this.flushNoise();
      return;
    }
    const start = this.text.indexOf(`\x01${p.id}\x02`);
    if (start >= 0) {
      const end = this.text.indexOf('\x04', start);
      if (end < 0) return;
      const json = this.text.slice(start + p.id.length + 2, end);
      const before = this.text.slice(0, start);
      this.text = this.text.slice(end + 1);
      if (before.trim()) this.opts.onNoise?.(before);
      this.settle(p, json);
      return;
    }
    // An error outside our try/catch (a syntax error, or out of memory): the REPL prints it.
    const m = (this.dialect === 'kaluma' ? /(\w*Error: [^\r\n]*)\r?\n/ : /Uncaught ([^\r\n]*)\r?\n/).exec(
      this.text,
    );
    if (m) {
      this.pending = undefined;
      clearTimeout(p.timer);
      p.reject(new DeviceError(this.link.name, p.what, m[1]));
    }
  }

  private settle(p: Pending, json: string): void {
    this.pending = undefined;
    clearTimeout(p.timer);
    let v: unknown;
    try {
      v = JSON.parse(json);
    } catch {
      p.reject(
        new DeviceError(this.link.name, p.what, `garbled answer ${JSON.stringify(json.slice(0, 120))}`),
      );
      return;
    }
    if (!Array.isArray(v) || v.length < 1) {
      p.reject(new DeviceError(this.link.name, p.what, `unexpected answer ${json.slice(0, 120)}`));
    } else if (v[0] === 1) p.reject(new DeviceError(this.link.name, p.what, String(v[1])));
    else p.resolve(v[1] ?? null);
  }

  private flushNoise(): void {
    if (this.text.length > 4096) {
      this.opts.onNoise?.(this.text);
      this.text = '';
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
