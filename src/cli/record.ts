// `mote record`: labelled accelerometer windows from a watch or board (serial port or a BLE
// bridge's port) or from the Bangle.js firmware emulator, appended to a CSV that training
// reads as it is (one window a row: label, session, then the samples).
import { openSerial } from '../../firmware-bridge/transport/serial.js';
import type { Transport } from '../../firmware-bridge/transport/transport.js';
import { parseSource } from '../record/device-code.js';
import { appendWindow, checkName, csvHeader, prepareCsv } from '../record/csv.js';
import { recordWindows } from '../record/record.js';
import { emulatorLink, simulatedSignal } from '../record/emulator-link.js';
import { progressBar } from './progress.js';
import { targetArg } from './fit.js';
import { numberFlag, UsageError } from './usage.js';

export interface RecordFlags {
  port?: string;
  device?: string;
  target?: string;
  baud?: string;
  timeout?: string;
  label?: string;
  output?: string;
  window?: string;
  rate?: string;
  count?: string;
  session?: string;
  source?: string;
}

const EMULATORS = ['emulator:banglejs2', 'emulator:banglejs1'];

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^mote: /, ''));
  }
}

export async function recordCommand(f: RecordFlags, json: boolean): Promise<string> {
  if ((f.port === undefined) === (f.device === undefined))
    throw new UsageError('record needs one of --port PATH or --device emulator:banglejs2');
  if (f.device !== undefined && !EMULATORS.includes(f.device))
    throw new UsageError(`--device must be one of ${EMULATORS.join(', ')}, got '${f.device}'`);
  if (f.device !== undefined && (f.target || f.baud))
    throw new UsageError('--target and --baud go with --port; the emulator is its own board');
  if (!f.label) throw new UsageError('record needs --label NAME (the class of these windows)');
  if (!f.output) throw new UsageError('record needs -o <data.csv>');
  const label = usage(() => checkName('--label', f.label!));
  const session = usage(() =>
    checkName('--session', f.session ?? new Date().toISOString().replace(/[:]/g, '').slice(0, 15)),
  );
  const window = numberFlag('window', f.window, 1, 1000) ?? 50;
  const rate = numberFlag('rate', f.rate, 1, 100) ?? 12.5;
  const count = numberFlag('count', f.count, 1, 1e6) ?? 10;
  if (!Number.isInteger(window) || !Number.isInteger(count))
    throw new UsageError('--window and --count take whole numbers');
  const source = usage(() => parseSource(f.source));
  if (f.device && source && source.kind !== 'bangle')
    throw new UsageError(`--source ${f.source}: the emulator is a Bangle.js; its source is bangle`);
  const timeoutMs = numberFlag('timeout', f.timeout, 100, 600_000);
  const output = f.output;

  let link: Transport;
  let feed: ((stopped: () => boolean) => Promise<void>) | undefined;
  if (f.device) {
    const board = f.device.slice('emulator:'.length) as 'banglejs2' | 'banglejs1';
    const emu = await emulatorLink(board);
    link = emu.link;
    const signal = simulatedSignal(label, session, rate);
    feed = async (stopped) => {
      for (let t = 0; t < window * count && !stopped(); t += 8)
        await emu.feed(Array.from({ length: Math.min(8, window * count - t) }, (_, i) => signal(t + i)));
    };
  } else {
    const target = targetArg(f.target);
    if (target.engine !== 'espruino')
      throw new UsageError(`record runs on Espruino boards; ${target.name} runs ${target.engine}`);
    link = await openSerial(f.port!, numberFlag('baud', f.baud, 300, 4_000_000));
  }
  const bar = progressBar(`recording ${label}`, { enabled: !json }, 'windows');
  let written = 0;
  try {
    const r = await recordWindows(link, {
      window,
      rate,
      count,
      source,
      timeoutMs,
      feed,
      onStart: async (_, channels) => {
        await prepareCsv(output, csvHeader(channels));
        bar?.update(0, count);
      },
      onWindow: async (values, _, channels) => {
        await appendWindow(output, label, session, values, channels);
        written++;
        bar?.update(written, count);
      },
    });
    bar?.stop();
    const from = f.device ?? f.port!;
    const result = {
      output,
      label,
      session,
      window,
      rate,
      windows: r.windows,
      source: r.source,
      channels: r.channels,
      from,
      simulated: !!f.device,
    };
    if (json) return JSON.stringify(result, null, 2);
    return (
      `recorded ${r.windows} window(s) of ${window} samples at ${rate} Hz (${r.source}, ${r.channels} channels) from ${from}` +
      `${f.device ? ' (SIMULATED accelerometer samples)' : ''}; appended to ${output} as label '${label}', session '${session}'`
    );
  } finally {
    bar?.stop();
    await link.close();
  }
}
