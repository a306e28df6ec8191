// Records labelled windows from an Espruino device over any Transport: takes control of the
// REPL, defines the recorder (device-code.ts), then reads the stream itself (window lines
// arrive whenever the sensor fills one, not as answers to requests) until `count` windows
// have arrived, and stops the recorder on the device whatever happens.
import type { Transport } from '../../firmware-bridge/transport/transport.js';
import { EspruinoRepl } from '../../firmware-bridge/espruino/repl.js';
import { parseLine, recorderCode, sourceScale, type Source } from './device-code.js';

export interface RecordOptions {
  window: number;
  rate: number;
  count: number;
  source?: Source;
  /** ms to wait for each answer while setting up; default 5000. */
  timeoutMs?: number;
  /** Called with each window's values (sample-major: x0,y0,z0,x1,...) in the source's units. */
  onWindow(values: number[], index: number, channels: number): Promise<void>;
  /** After the recorder started: what it samples (to write the CSV header before any window). */
  onStart?(source: Source['kind'], channels: number): Promise<void>;
  /**
   * Called once the recorder runs, until it resolves: feeds simulated samples (the emulator).
   * On a device the sensor does it.
   */
  feed?(stopped: () => boolean): Promise<void>;
}

export interface RecordResult {
  windows: number;
  source: Source['kind'];
  channels: number;
}

const DLE = '\x10';

export async function recordWindows(link: Transport, opts: RecordOptions): Promise<RecordResult> {
  const repl = new EspruinoRepl(link, { timeoutMs: opts.timeoutMs });
  await repl.takeControl();
  await repl.exec(recorderCode(opts.source, opts.window, opts.rate, opts.count), 'defining the recorder');
  // From here the recorder's lines are read directly: the REPL object no longer gets the bytes.
  let text = '';
  let done = false;
  let started: { source: Source['kind']; channels: number } | undefined;
  let windows = 0;
  // A silent device: nothing for this long (several windows' time, at least 10 s) is an error.
  const quietMs = Math.max(10_000, (3 * 1000 * opts.window) / opts.rate);
  let settle!: (e?: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (e) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    };
  });
  let timer = setTimeout(() => {}, 0);
  const wait = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        settle(
          new Error(
            `mote: ${link.name}: no data from the recorder for ${quietMs / 1000} s (${windows} of ${opts.count} windows)`,
          ),
        ),
      quietMs,
    );
  };
  // Lines are handled one after another (each window is appended before the next).
  let chain = Promise.resolve();
  const handle = async (line: string) => {
    const r = parseLine(line);
    if (!r || done) return;
    if (r.kind === 'error') return settle(new Error(`mote: ${link.name}: ${r.message}`));
    if (r.kind === 'start') {
      started = { source: r.source, channels: r.channels };
      await opts.onStart?.(r.source, r.channels);
      return;
    }
    if (r.kind === 'end') return settle();
    if (!started) return settle(new Error(`mote: ${link.name}: a window before the recorder's start line`));
    const expected = opts.window * started.channels;
    if (r.window.values.length !== expected)
      return settle(
        new Error(
          `mote: ${link.name}: window ${r.window.index} has ${r.window.values.length} values, expected ${expected}`,
        ),
      );
    const scale = sourceScale(started.source);
    await opts.onWindow(
      r.window.values.map((v) => v / scale),
      r.window.index,
      started.channels,
    );
    windows++;
    wait();
    if (windows >= opts.count) settle();
  };
  link.onData((d) => {
    text += Buffer.from(d).toString('latin1');
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl).replace(/\r$/, '');
      text = text.slice(nl + 1);
      chain = chain.then(() => handle(line)).catch((e: unknown) => settle(e as Error));
    }
  });
  link.onClose((reason) => settle(new Error(`mote: the link to ${link.name} closed (${reason})`)));
  const stopOnSignal = () =>
    settle(new Error('mote: record: interrupted; the windows recorded so far are kept'));
  process.once('SIGINT', stopOnSignal);
  try {
    wait();
    await link.write(`${DLE}__moteRec()\n`);
    if (opts.feed) void opts.feed(() => done).catch((e: unknown) => settle(e as Error));
    await finished;
    await chain;
    return { windows, source: started?.source ?? 'bangle', channels: started?.channels ?? 3 };
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    clearTimeout(timer);
    if (link.isOpen) await link.write(`${DLE}__moteRecStop()\n`).catch(() => undefined);
  }
}
