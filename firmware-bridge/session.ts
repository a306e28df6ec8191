// Opens a device for flashing and running: the serial transport, the REPL protocol of the
// target's engine, and its file store.
import type { Target } from '../targets/target.js';
import { openSerial, DEFAULT_BAUD } from './transport/serial.js';
import type { Transport } from './transport/transport.js';
import type { DeviceStorage } from './storage.js';
import { DeviceError, EspruinoRepl } from './espruino/repl.js';
import { EspruinoStorage } from './espruino/storage.js';
import { KalumaStorage } from './kaluma/storage.js';
import { envMs } from './profile/budget.js';

export interface SessionOptions {
  baud?: number;
  /** ms to wait for each answer. Default 5000 (BLE links: more). */
  timeoutMs?: number;
  /** Raw bytes per write line; default by transport (BLE links take smaller lines). */
  chunkBytes?: number;
  onNoise?: (text: string) => void;
  /**
   * ms allowed for loading the runtime and for loading the model, instead of the rule in
   * profile/budget.ts. Default: the environment's MOTE_LOAD_TIMEOUT_MS, else the rule.
   */
  loadTimeoutMs?: number;
  /** ms allowed for one run request; default MOTE_RUN_TIMEOUT_MS, else the rule. */
  runTimeoutMs?: number;
  /**
   * Attempts for a request the link garbles (reads, erases, each chunk of a file), resent
   * after a back-off; default 6 (../retry.ts).
   */
  attempts?: number;
  /** Told of every resend (for --verbose). */
  onResend?: (what: string, attempt: number, error: Error) => void;
}

export interface Session {
  target: Target;
  link: Transport;
  repl: EspruinoRepl;
  storage: DeviceStorage;
  /** 'espruino' or 'kaluma': which REPL dialect and file store. */
  protocol: 'espruino' | 'kaluma';
  /** Overrides of the load and run time budgets (SessionOptions, or the environment). */
  timeouts: { loadMs?: number; runMs?: number };
  close(): Promise<void>;
}

export function protocolFor(target: Target): 'espruino' | 'kaluma' {
  return target.engine === 'jerryscript' ? 'kaluma' : 'espruino';
}

export async function openSession(port: string, target: Target, opts: SessionOptions = {}): Promise<Session> {
  const link = await openSerial(port, opts.baud ?? DEFAULT_BAUD);
  return startSession(link, target, opts);
}

/** Takes control of the REPL over an open link (closed again if that fails). */
export async function startSession(
  link: Transport,
  target: Target,
  opts: SessionOptions = {},
): Promise<Session> {
  try {
    const protocol = protocolFor(target);
    const repl = new EspruinoRepl(link, {
      timeoutMs: opts.timeoutMs,
      onNoise: opts.onNoise,
      dialect: protocol,
      attempts: opts.attempts,
      onResend: opts.onResend,
    });
    const chunkBytes = opts.chunkBytes ?? (target.transport === 'ble-uart' ? 384 : 768);
    await repl.takeControl();
    if (protocol === 'espruino') await checkCrc32(repl);
    // Every line that may run twice now carries its CRC-32, and so does its answer.
    await repl.useCheckedLines();
    const storage: DeviceStorage =
      protocol === 'kaluma'
        ? new KalumaStorage(repl, { chunkBytes })
        : new EspruinoStorage(repl, { chunkBytes });
    const timeouts = {
      loadMs: opts.loadTimeoutMs ?? envMs('MOTE_LOAD_TIMEOUT_MS'),
      runMs: opts.runTimeoutMs ?? envMs('MOTE_RUN_TIMEOUT_MS'),
    };
    return { target, link, repl, storage, protocol, timeouts, close: () => link.close() };
  } catch (e) {
    await link.close();
    throw e;
  }
}

/**
 * Flashing trusts E.CRC32 to agree with src/runtime/crc32.ts (IEEE 802.3). A firmware without
 * it, or with another polynomial, would make every file look corrupted: say so up front.
 */
async function checkCrc32(repl: EspruinoRepl): Promise<void> {
  // A plain line (checked lines need E.CRC32), sent again if the link garbles it. The value
  // comes twice and a constant with it: a garbled answer shows as a difference.
  const what = 'checking E.CRC32';
  const v = await repl.retry(what, async () => {
    const a = await repl.call(
      'return typeof E!=="undefined"&&typeof E.CRC32==="function"?[E.CRC32("123456789")>>>0,E.CRC32("123456789")>>>0,3421780262]:null',
      what,
    );
    if (a !== null && (!Array.isArray(a) || a[0] !== a[1] || a[2] !== 0xcbf43926))
      throw new DeviceError(repl.link.name, what, `garbled answer ${JSON.stringify(a)}`, 'protocol');
    return a as [number, number, number] | null;
  });
  if (v === null)
    throw new Error(
      `mote: ${repl.link.name} has no E.CRC32; update its Espruino firmware (espruino.com/Download)`,
    );
  if (v[0] !== 0xcbf43926)
    throw new Error(
      `mote: ${repl.link.name}: E.CRC32("123456789") is ${String(v[0])}, not the IEEE CRC-32 3421780262`,
    );
}
