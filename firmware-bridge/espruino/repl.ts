// The host side of Espruino's REPL: take control of it (Ctrl-C, echo off), then send one
// line per request and read its answer framed by markers that JSON can never contain.
//
// A request is a JS function body written by mote (never user text: data crosses as base64
// literals). Its line first prints a start marker \x01<id>\x03, then runs the body inside
// try/catch and prints
//   \x01<id>\x02<JSON [0, value] or [1, error message]>\x04
// JSON.stringify escapes every control character, so the frame cannot be forged by data.
//
// Starting clean and staying honest (docs/DEVICES.md, "What happens on the wire"):
// - Every Espruino line starts with ESC [ 2 H, which Espruino's REPL takes as "erase the
//   input line" in order with the characters around it, so half a line left by an
//   interrupted transfer (which, with an open bracket, would swallow the next lines) is
//   gone before the request's own characters arrive. Ctrl-C is not used for that: Espruino
//   acts on it when it arrives but clears the line only at the end of its idle loop, so a
//   line sent right behind a Ctrl-C can be cleared with the garbage.
// - What the device prints before the start marker (a late answer or error of an earlier
//   line, an echo, a prompt) is leftover noise, never this request's answer or error.
// - After the start marker, an error printed outside the request's try/catch ("Uncaught
//   ...", "OUT OF MEMORY", "Execution Interrupted", "New interpreter error: ...") fails the
//   request with the device's own lines, as soon as the device has finished printing them:
//   out of memory and Ctrl-C are not exceptions on Espruino, so no answer would ever come.
// - After a request timed out (the device may still be busy with it), the next request
//   first sends a Ctrl-C on its own and gives the device time to act on it.
//
// Checked requests (checkedLine; on Espruino once E.CRC32 is known to work): the line calls a
// checker that the session defined on the device, with the body as a string literal and the
// body's CRC-32; the checker runs the body only when E.CRC32 of what arrived matches, and
// otherwise answers [2, <its CRC-32>] without running anything. The answer carries E.CRC32
// of its JSON (\x05<crc>\x04). So a line or an answer garbled on the way is detected, never
// acted on, and (for requests that may run twice) sent again, up to a bounded number of
// times with back-off (../retry.ts). The checker lives on the device so that the noise can
// only reach its arguments, and so that a line is no longer than a plain one.
import { crc32 } from '../../src/runtime/crc32.js';
import { LinkClosedError, type Transport } from '../transport/transport.js';
import {
  backoffMs,
  DEFAULT_ATTEMPTS,
  LinkFaultError,
  RetriesExhaustedError,
  TIMEOUT_ATTEMPTS,
} from '../retry.js';

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
  /** Attempts for a request that may run twice when the link garbles it (default 6). */
  attempts?: number;
  /** Told of every resend: what, the attempt that failed (1 = the first), and why. */
  onResend?: (what: string, attempt: number, error: Error) => void;
}

/** Per request: how long to wait, and what to add to the message when that is not enough. */
export interface CallOptions {
  timeoutMs?: number;
  /** Appended to a timeout's message (e.g. how the time was chosen and how to allow more). */
  timeoutHint?: string;
  /**
   * The request may run more than once (a read, an erase, a chunk written at its offset): it
   * goes as a checked line when the session has E.CRC32, and is sent again when the link
   * garbles it or its answer (up to `attempts` times, with back-off).
   */
  idempotent?: boolean;
}

/** A request got no answer in time: the device is busy, hung, or not an Espruino REPL. */
export class DeviceTimeoutError extends Error {
  constructor(port: string, what: string, ms: number, hint?: string, leftover?: string) {
    super(
      `mote: no answer from ${port} within ${ms} ms while ${what}; ` +
        (hint
          ? hint
          : 'is the device on, running ' +
            "Espruino (or Kaluma) at the port's baud rate, and not connected to another program (e.g. the Web IDE)?") +
        (leftover ? ` (before this request started, the device printed: ${leftover})` : ''),
    );
    this.name = 'DeviceTimeoutError';
  }
}

/** What kind of failure the device reported. */
export type DeviceErrorKind =
  /** The request threw inside its try/catch: the message is the exception's. */
  | 'exception'
  /** "Uncaught ...": thrown outside the try/catch (a syntax error, the runtime's own top level). */
  | 'uncaught'
  /** "OUT OF MEMORY" or "New interpreter error: ...MEMORY": Espruino stopped the code. */
  | 'out-of-memory'
  /** "Execution Interrupted": Ctrl-C, or the device stopped the code. */
  | 'interrupted'
  /** Anything else mote found wrong with an answer. */
  | 'protocol';

/** The device reported an error (thrown inside the request, or printed by its REPL). */
export class DeviceError extends Error {
  constructor(
    port: string,
    what: string,
    message: string,
    readonly kind: DeviceErrorKind = 'exception',
    /** The device's own lines, as it printed them (for errors its REPL printed). */
    readonly deviceOutput: string[] = [],
  ) {
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
  ms: number;
  hint?: string;
  /** The start marker has arrived: what follows is this request's. */
  started: boolean;
  /** Armed while the device is printing an error, fires once it has been quiet. */
  errorTimer?: NodeJS.Timeout;
  /** Errors printed before the start marker (leftovers), for a timeout's message. */
  leftover?: string;
  /** Sent as a checked line: the answer must carry its CRC-32. */
  checked: boolean;
  /** Sent right after an answered request: an error printed before the start marker is this line's. */
  fresh: boolean;
}

const CTRL_C = '\x03';
/** Espruino: a line starting with DLE (0x10) is neither echoed nor has its result printed. */
const DLE = '\x10';
/**
 * ESC [ 2 H: Espruino's REPL erases its whole input line (all lines of an unfinished
 * multi-line entry), in order with the other characters (src/jsinteractive.c, since 2015).
 */
export const CLEAR_LINE = '\x1b[2H';
/**
 * Time the device gets to act on a Ctrl-C before anything else is sent. Espruino flags a
 * Ctrl-C as it arrives and clears the input line at the end of its idle loop; EspruinoTools
 * waits 250 ms after one.
 */
export const CTRL_C_SETTLE_MS = 250;
/** The global that holds the checker of checked lines on the device. */
const CHECKER = '__moteL';
/**
 * The checker (c: the body's CRC-32, b: the body, i: the request id): prints the start
 * marker, runs b inside try/catch only if the CRC-32 of b is c (else answers [2, its CRC-32]),
 * and prints the answer's JSON followed by \x05 and its CRC-32. `crc` and `print` are the
 * dialect's: Espruino's native E.CRC32 and print; on Kaluma, which has no CRC-32, a few lines
 * of JS defined with the checker (__moteC) and console.log.
 */
function checkerSource(crc: (s: string) => string, print: string): string {
  return (
    `function(c,b,i){var r,j;${print}("\\u0001"+i+"\\u0003");` +
    `if(${crc('b')}===c){try{r=[0,eval(b)]}catch(e){r=[1,""+(e&&e.message||e)]}}else r=[2,${crc('b')}];` +
    `j=JSON.stringify(r);${print}("\\u0001"+i+"\\u0002"+j+"\\u0005"+${crc('j')}+"\\u0004")}`
  );
}
/** Kaluma's CRC-32 of a string of byte-valued characters, in JS (IEEE, as src/runtime/crc32.ts). */
const KALUMA_CRC =
  'function(s){var c=-1,i,k;for(i=0;i<s.length;i++){c^=s.charCodeAt(i)&255;' +
  'for(k=0;k<8;k++)c=c&1?(c>>>1)^0xEDB88320:c>>>1}return (c^-1)>>>0}';
/** After the device printed an error, it must be quiet this long before the request fails with it. */
const ERROR_QUIET_MS = 150;
/** Keep at most this much unanswered text while a request is pending. */
const MAX_TEXT = 256 * 1024;

/** What Espruino's REPL prints for errors that no try/catch can catch (src/jsinteractive.c, src/jsvar.c). */
const ESPRUINO_ERROR = /Uncaught |OUT OF MEMORY|Execution Interrupted|New interpreter error: /;
/** Kaluma prints an uncaught error as "<Name>Error: message". */
const KALUMA_ERROR = /\w*Error: /;
/** A whole frame or start marker (of any request), removed before looking for errors. */
// eslint-disable-next-line no-control-regex -- the frame markers are control characters on purpose
const FRAMES = /\x01[^\x01\x02\x03\x04]*(\x02[^\x04]*\x04|\x03)/g;

export class EspruinoRepl {
  private text = '';
  private pending: Pending | undefined;
  private closedReason: string | undefined;
  private seq = 0;
  /**
   * A request timed out: the device may still be running it, so the next one is not fresh
   * (and, on Espruino, sends Ctrl-C first).
   */
  private stale = false;
  private readonly salt = Math.floor(Math.random() * 0xffff).toString(36);
  readonly timeoutMs: number;
  readonly dialect: 'espruino' | 'kaluma';
  /** The expression naming the global object in this dialect (code uses it for globals). */
  readonly global: string;
  /** Requests sent again after the link garbled them (or their answers), since the start. */
  resent = 0;
  /** Bytes received from the device since the link opened. */
  private received = 0;
  /** Idempotent requests go as checked lines (set once E.CRC32 is known to work). */
  private checked = false;
  private readonly attempts: number;
  /** Kaluma: the next line starts with a carriage return, ending a half line a fault left. */
  private endHalfLine = false;

  constructor(
    readonly link: Transport,
    private readonly opts: ReplOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.dialect = opts.dialect ?? 'espruino';
    this.global = this.dialect === 'kaluma' ? 'globalThis' : 'global';
    this.attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
    link.onData((d) => {
      this.received += d.length;
      this.receive(Buffer.from(d).toString('latin1'));
    });
    link.onClose((reason) => {
      this.closedReason = reason;
      const p = this.pending;
      if (p) {
        this.finish(p);
        p.reject(new LinkClosedError(link.name, reason));
      }
    });
  }

  /**
   * Stops whatever the REPL was doing (Ctrl-C, on its own, then time to act on it), turns
   * echo off, and checks that requests get answers. Whatever was printed before is noise.
   */
  async takeControl(): Promise<void> {
    if (this.dialect === 'kaluma') {
      // A carriage return ends any half-typed line (its error is discarded below).
      await this.link.write('\r');
      await delay(50);
      await this.link.write('.echo off\r');
    } else {
      await this.link.write(CTRL_C);
      await delay(CTRL_C_SETTLE_MS);
      await this.link.write(`${CLEAR_LINE}${DLE}echo(0)\n`);
    }
    await delay(20);
    this.text = '';
    this.stale = false;
    await this.retry('taking control of the REPL', async () => {
      const v = await this.call('return 1', 'taking control of the REPL');
      if (v !== 1)
        throw new DeviceError(
          this.link.name,
          'taking control of the REPL',
          `unexpected answer ${JSON.stringify(v)}`,
          'protocol',
        );
    });
  }

  /**
   * From now on, idempotent requests go as checked lines (on Espruino, once E.CRC32 was found
   * to be the IEEE CRC-32; session.ts). Defines the checker on the device (one plain line,
   * resent if garbled) and proves it: a checked line must run, and one whose CRC-32 is wrong
   * must be refused, so a garbled definition is never trusted.
   */
  async useCheckedLines(): Promise<void> {
    const kaluma = this.dialect === 'kaluma';
    const G = this.global;
    const define = kaluma
      ? `${G}.__moteC=${KALUMA_CRC};${G}.${CHECKER}=${checkerSource((v) => `__moteC(${v})`, 'console.log')}`
      : `${G}.${CHECKER}=${checkerSource((v) => `(E.CRC32(${v})>>>0)`, 'print')}`;
    const what = 'setting up checked lines';
    const expect = (ok: boolean, problem: string) => {
      if (!ok) throw new DeviceError(this.link.name, what, problem, 'protocol');
    };
    // Each step is resent on its own; a definition garbled into a checker that misbehaves
    // fails the probes every time, and is sent once more.
    for (let round = 1; ; round++) {
      await this.retry(what, async () =>
        expect((await this.send('', `${define};return 1`, what)) === 1, 'unexpected answer'),
      );
      try {
        await this.retry(what, async () =>
          expect(
            (await this.send('', 'return 7', what, undefined, true)) === 7,
            'the checker did not run a good line',
          ),
        );
        await this.retry(what, async () => {
          const refused = await this.send('', 'return 7', what, undefined, true, 1).then(
            () => false,
            (e: unknown) => {
              if (e instanceof LinkFaultError && e.refused) return true;
              throw e;
            },
          );
          expect(refused, 'the checker ran a line whose CRC-32 is wrong');
        });
        break;
      } catch (e) {
        if (round >= 2 || !(e instanceof RetriesExhaustedError)) throw e;
      }
    }
    this.checked = true;
  }

  /**
   * Runs `attempt` until it succeeds, resending (after a back-off) while it fails on the
   * link (isLinkFault), at most `attempts` times in all. Only for requests that may run twice.
   */
  async retry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let timeouts = 0;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        if (!isLinkFault(e)) throw e;
        if (e instanceof DeviceTimeoutError) timeouts++;
        // Nothing at all has come from the device since the link opened, after a resend too:
        // it is off, elsewhere, or not a REPL, not behind noise (a garbled line can be silent
        // once). Say so now rather than after every resend.
        const silent = e instanceof DeviceTimeoutError && this.received === 0 && timeouts >= 2;
        // With a single attempt allowed, the failure is reported as it is.
        if (n >= this.attempts || timeouts >= TIMEOUT_ATTEMPTS || silent)
          throw n === 1 ? e : new RetriesExhaustedError(this.link.name, what, n, e as Error);
        this.resent++;
        this.opts.onResend?.(what, n, e as Error);
        // Kaluma has no ESC [ 2 H: a carriage return ends whatever half line the fault left.
        // It goes at the start of the resent line, in the same write: written alone, the
        // link can garble it too, into a stray character that stays in the REPL's input and
        // breaks the resent line in turn (one more failure, often one more timeout).
        if (this.dialect === 'kaluma') this.endHalfLine = true;
        await delay(backoffMs(n));
      }
    }
  }

  /** Runs a statement at the top level (e.g. eval of a stored script), then waits for it to finish. */
  async exec(statement: string, what: string, opts?: number | CallOptions): Promise<void> {
    await this.send(`${statement};`, 'return 1', what, opts);
  }

  /** Runs `body` (a function body written by mote) on the device and returns its JSON value. */
  call(body: string, what: string, opts?: number | CallOptions): Promise<unknown> {
    const o: CallOptions = typeof opts === 'number' ? { timeoutMs: opts } : (opts ?? {});
    if (!o.idempotent) return this.send('', body, what, o);
    return this.retry(what, () => this.attempt(body, what, o));
  }

  /**
   * Sends a request that may run twice, once: as a checked line when the session has E.CRC32.
   * For callers that judge the answer themselves inside retry().
   */
  attempt(body: string, what: string, opts?: number | CallOptions): Promise<unknown> {
    return this.send('', body, what, opts, this.checked);
  }

  /** The line that carries one request (exported for tests of its length). */
  line(id: string, prefix: string, body: string): string {
    const kaluma = this.dialect === 'kaluma';
    const print = kaluma ? 'console.log' : 'print';
    return (
      `${kaluma ? '' : CLEAR_LINE + DLE}${print}("\\u0001${id}\\u0003");${prefix}` +
      `(function(){var r;try{r=[0,(function(){${body}})()]}catch(e){r=[1,""+(e&&e.message||e)]}` +
      `${print}("\\u0001${id}\\u0002"+JSON.stringify(r)+"\\u0004")})()${kaluma ? '\r' : '\n'}`
    );
  }

  /**
   * A checked line (Espruino): the body travels as a string literal with its CRC-32 (xor
   * `crcXor`, for the refusal probe) to the checker defined by useCheckedLines, which runs it
   * only if the CRC-32 of what arrived matches.
   */
  checkedLine(id: string, body: string, crcXor = 0): string {
    const code = `(function(){${body}})()`;
    const crc = (crc32(Buffer.from(code, 'latin1'), 0, code.length) ^ crcXor) >>> 0;
    const call = `${CHECKER}(${crc},${JSON.stringify(code)},"${id}")`;
    return this.dialect === 'kaluma' ? `${call}\r` : `${CLEAR_LINE}${DLE}${call}\n`;
  }

  private async send(
    prefix: string,
    body: string,
    what: string,
    opts?: number | CallOptions,
    checked = false,
    crcXor = 0,
  ): Promise<unknown> {
    if (this.closedReason) throw new LinkClosedError(this.link.name, this.closedReason);
    if (this.pending)
      throw new Error(`mote: internal: request '${what}' sent while '${this.pending.what}' is pending`);
    const o: CallOptions = typeof opts === 'number' ? { timeoutMs: opts } : (opts ?? {});
    const fresh = !this.stale;
    // Cleared on both dialects (it once was on Espruino only): left set on Kaluma, one
    // timeout made every later request not fresh, so that for the rest of the session a
    // garbled answer or line was no longer recognised early and each cost a whole timeout.
    this.stale = false;
    if (!fresh && this.dialect === 'espruino') {
      // The last request got no answer: stop it if it is still running.
      await this.link.write(CTRL_C);
      await delay(CTRL_C_SETTLE_MS);
    }
    const id = `${this.salt}.${++this.seq}`;
    let line = checked ? this.checkedLine(id, body, crcXor) : this.line(id, prefix, body);
    if (this.endHalfLine) {
      this.endHalfLine = false;
      line = `\r${line}`;
    }
    const ms = o.timeoutMs ?? this.timeoutMs;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(), ms);
      this.pending = {
        id,
        what,
        resolve,
        reject,
        timer,
        ms,
        hint: o.timeoutHint,
        started: false,
        checked,
        fresh,
      };
    });
    this.text = '';
    try {
      await this.link.write(line);
    } catch (e) {
      // Narrowing thinks `pending` is still unset here; the executor above set it.
      const p = this.pending as Pending | undefined;
      if (p) this.finish(p);
      answer.catch(() => undefined);
      throw e;
    }
    return answer;
  }

  private finish(p: Pending): void {
    if (this.pending === p) this.pending = undefined;
    clearTimeout(p.timer);
    if (p.errorTimer) clearTimeout(p.errorTimer);
  }

  private timedOut(): void {
    const p = this.pending;
    if (!p) return;
    this.finish(p);
    // An error the device is still printing is the better answer.
    const failure = p.started ? this.deviceFailure(p) : undefined;
    if (failure) return p.reject(failure);
    this.stale = true;
    p.reject(new DeviceTimeoutError(this.link.name, p.what, p.ms, p.hint, p.leftover));
  }

  private receive(chunk: string): void {
    this.text += chunk;
    const p = this.pending;
    if (!p) {
      this.flushNoise();
      return;
    }
    if (!p.started) {
      const marker = `\x01${p.id}\x03`;
      const at = this.text.indexOf(marker);
      if (at >= 0) {
        const before = this.text.slice(0, at);
        if (before.trim()) this.opts.onNoise?.(before);
        this.text = this.text.slice(at + marker.length);
        p.started = true;
      }
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
    // The end of a frame (\x04, which nothing else prints: JSON escapes control characters)
    // that is not this request's answer is that answer, garbled on the way, when no earlier
    // answer can be on its way: the request was sent right after an answered one, or its start
    // marker has arrived (the text is what followed it; the device runs one line at a time, so
    // nothing of an earlier line comes after it). The latter matters after a timeout: a bit
    // flipped in the frame's head (say \x02) must cost one resend, not another timeout.
    // Failing now spares the timeout.
    if ((p.fresh || p.started) && this.text.includes('\x04')) {
      this.finish(p);
      p.reject(
        new LinkFaultError(
          this.link.name,
          p.what,
          'the answer was garbled on the way (its frame does not match)',
        ),
      );
      return;
    }
    if (!p.started) {
      // Leftovers: remembered for a timeout's message, never taken for this request's error.
      const e = this.errorLines(this.text);
      if (e.length) p.leftover = e.join(' / ').slice(0, 300);
      if (this.text.length > MAX_TEXT) this.text = this.text.slice(-MAX_TEXT / 2);
      // A checked line sent right after an answered one: an error with no start marker is
      // most likely this line, garbled so that it does not parse. Failing it (it is resent)
      // spares waiting for the timeout; were it a leftover after all, the resend is harmless.
      if (e.length && p.checked && p.fresh) {
        if (p.errorTimer) clearTimeout(p.errorTimer);
        p.errorTimer = setTimeout(() => {
          if (this.pending !== p || p.started) return;
          this.finish(p);
          p.reject(
            new LinkFaultError(
              this.link.name,
              p.what,
              `the request line was garbled on the way (the device printed: ${p.leftover ?? ''})`,
            ),
          );
        }, ERROR_QUIET_MS);
      }
      return;
    }
    // An error outside the request's try/catch: wait until the device has printed all of it.
    if (this.errorLines(this.text).length) {
      if (p.errorTimer) clearTimeout(p.errorTimer);
      p.errorTimer = setTimeout(() => {
        if (this.pending !== p) return;
        const failure = this.deviceFailure(p);
        if (!failure) return;
        this.finish(p);
        p.reject(failure);
      }, ERROR_QUIET_MS);
    }
  }

  /** The device's lines from the first error on, frames and prompts left out. */
  private errorLines(text: string): string[] {
    const clean = text.replace(FRAMES, '');
    const m = (this.dialect === 'kaluma' ? KALUMA_ERROR : ESPRUINO_ERROR).exec(clean);
    if (!m) return [];
    const from = clean.lastIndexOf('\n', m.index) + 1;
    return clean
      .slice(from)
      .split(/\r?\n|\r/)
      .map((l) => l.replace(/\s+$/, ''))
      .filter((l) => l !== '' && l !== '>' && l !== '> ')
      .slice(0, 16)
      .map((l) => (l.length > 240 ? `${l.slice(0, 240)}...` : l));
  }

  private deviceFailure(p: Pending): DeviceError | undefined {
    const lines = this.errorLines(this.text);
    if (!lines.length) return undefined;
    const all = lines.join('\n');
    let kind: DeviceErrorKind;
    let summary: string;
    if (/OUT OF MEMORY|New interpreter error: .*\bMEMORY\b/.test(all)) {
      kind = 'out-of-memory';
      summary = 'the device ran out of memory';
    } else if (/Uncaught |\w*Error: /.test(all)) {
      kind = 'uncaught';
      summary = 'uncaught error on the device';
    } else if (/Execution Interrupted/.test(all)) {
      kind = 'interrupted';
      summary = 'the device interrupted the code (Ctrl-C, or a watchdog)';
    } else {
      kind = 'protocol';
      summary = 'the device reported an error';
    }
    return new DeviceError(
      this.link.name,
      p.what,
      `${summary}; it printed:\n    ${lines.join('\n    ')}`,
      kind,
      lines,
    );
  }

  private settle(p: Pending, frame: string): void {
    this.finish(p);
    let json = frame;
    if (p.checked) {
      // The answer's JSON, then \x05 and the device's CRC-32 of it.
      const at = frame.lastIndexOf('\x05');
      const sum = at < 0 ? NaN : Number(frame.slice(at + 1));
      json = at < 0 ? frame : frame.slice(0, at);
      if (crc32(Buffer.from(json, 'latin1'), 0, json.length) !== sum) {
        p.reject(
          new LinkFaultError(
            this.link.name,
            p.what,
            'the answer was garbled on the way (its CRC-32 does not match)',
          ),
        );
        return;
      }
    }
    let v: unknown;
    try {
      v = JSON.parse(json);
    } catch {
      p.reject(
        new DeviceError(
          this.link.name,
          p.what,
          `garbled answer ${JSON.stringify(json.slice(0, 120))}`,
          'protocol',
        ),
      );
      return;
    }
    if (!Array.isArray(v) || v.length < 1) {
      p.reject(
        new DeviceError(this.link.name, p.what, `unexpected answer ${json.slice(0, 120)}`, 'protocol'),
      );
    } else if (v[0] === 1) p.reject(new DeviceError(this.link.name, p.what, String(v[1])));
    else if (v[0] === 2 && p.checked)
      p.reject(
        new LinkFaultError(
          this.link.name,
          p.what,
          `the request line was garbled on the way (the device's CRC-32 of its code is ${String(v[1])}; nothing was run)`,
          true,
        ),
      );
    else p.resolve(v[1] ?? null);
  }

  private flushNoise(): void {
    if (this.text.length > 4096) {
      this.opts.onNoise?.(this.text);
      this.text = '';
    }
  }
}

/**
 * Whether a failed request may be the link's doing, so that sending it again can help: a
 * garbled line or answer, no answer at all, or an error printed outside the request's
 * try/catch (a garbled line that no longer parses, or a Ctrl-C the noise made). Not: the
 * link closing, an exception the request itself threw (Storage full, a missing file), or
 * the device running out of memory.
 */
export function isLinkFault(e: unknown): boolean {
  if (e instanceof LinkFaultError || e instanceof DeviceTimeoutError) return true;
  return (
    e instanceof DeviceError && (e.kind === 'protocol' || e.kind === 'uncaught' || e.kind === 'interrupted')
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
