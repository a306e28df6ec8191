// Atomic update of the runtime and a model on a device: write under new names, verify with
// the device's CRC-32, then switch the pointer record; clean up old versions afterwards.
// Until the new pointer is written and checked, the previous pointer still names the
// previous files, which nothing here touches: an interrupted flash leaves them working.
import { crc32 } from '../../src/runtime/crc32.js';
import type { DeviceStorage } from '../storage.js';
import { RetriesExhaustedError } from '../retry.js';
import {
  decodePointer,
  encodePointer,
  POINTER_SLOTS,
  PREFIX,
  slotFor,
  type InstalledFile,
  type Pointer,
} from './pointer.js';

export interface FlashOptions {
  /** Attempts per file when the device's CRC-32 disagrees with the host's. Default 3. */
  attempts?: number;
  target?: string;
  /** Called as bytes go out: file name, bytes of it sent, its size. */
  onProgress?: (file: string, sent: number, size: number) => void;
  /** Called with one line per step (for --verbose and the CLI's summary). */
  onStep?: (message: string) => void;
  /** The model's multiply-accumulates per inference, kept in the pointer record. */
  modelMacs?: number;
}

export interface FlashResult {
  pointer: Pointer;
  /** Whether the runtime was already installed (same CRC-32) and not sent again. */
  runtimeSkipped: boolean;
  /** Bytes of file data sent (before base64). */
  bytesSent: number;
  /** Files removed after the switch (old versions and leftovers of interrupted flashes). */
  removed: string[];
  /** CRC mismatches seen and retried. */
  retries: number;
}

/** The installed pointer: the valid record with the highest sequence number, or null. */
export async function readInstalled(storage: DeviceStorage): Promise<Pointer | null> {
  let best: Pointer | null = null;
  for (const slot of POINTER_SLOTS) {
    const bytes = await storage.read(slot);
    const p = bytes && decodePointer(bytes);
    if (p && (!best || p.seq > best.seq)) best = p;
  }
  return best;
}

/** What a link too bad to finish a flash leaves on the device, added to its error. */
const UNTOUCHED =
  '; nothing was switched: the previously installed model is untouched and still loads. ' +
  'Check the cable or radio link, or lower the baud rate.';
const SWITCH_UNSURE =
  '; the pointer switch may or may not have landed: the device runs either the previous ' +
  'model or the new one, each whole (mote run says which).';

export async function flashFiles(
  storage: DeviceStorage,
  runtime: Uint8Array,
  model: Uint8Array,
  opts: FlashOptions = {},
): Promise<FlashResult> {
  let switching = false;
  try {
    return await flashSteps(storage, runtime, model, opts, () => (switching = true));
  } catch (e) {
    if (e instanceof RetriesExhaustedError) throw e.withNote(switching ? SWITCH_UNSURE : UNTOUCHED);
    throw e;
  }
}

async function flashSteps(
  storage: DeviceStorage,
  runtime: Uint8Array,
  model: Uint8Array,
  opts: FlashOptions,
  switchStarts: () => void,
): Promise<FlashResult> {
  const attempts = opts.attempts ?? 3;
  const step = opts.onStep ?? (() => undefined);
  const old = await readInstalled(storage);
  const seq = (old?.seq ?? 0) + 1;
  const keep = new Set<string>(old ? [old.runtime.name, old.model.name, ...POINTER_SLOTS] : POINTER_SLOTS);

  // Leftovers of interrupted flashes take space; anything the current pointer does not name goes.
  const removed: string[] = [];
  for (const name of await storage.list(PREFIX)) {
    if (!keep.has(name)) {
      await storage.erase(name);
      removed.push(name);
    }
  }

  let bytesSent = 0;
  let retries = 0;
  /**
   * Writes a file and checks it on the device: size and whole-file CRC-32, and with `tail`
   * (the model's 4-byte trailer) also the CRC-32 of the rest, the .mote's own checksum.
   */
  const install = async (name: string, bytes: Uint8Array, tail = 0): Promise<InstalledFile> => {
    const want: InstalledFile = { name, size: bytes.length, crc: crc32(bytes, 0, bytes.length) };
    if (tail > 0) want.bodyCrc = crc32(bytes, 0, bytes.length - tail);
    for (let attempt = 1; ; attempt++) {
      await storage.write(name, bytes, (sent) => opts.onProgress?.(name, sent, bytes.length));
      bytesSent += bytes.length;
      const got = await storage.check(name, tail);
      if (got && got.size === want.size && got.crc === want.crc && got.bodyCrc === want.bodyCrc) return want;
      const seen = got
        ? `${got.size} bytes, CRC-32 ${hex(got.crc)}${tail ? `, ${describeBody(got.bodyCrc)}` : ''}`
        : 'no file';
      const expected = `${want.size} bytes, CRC-32 ${hex(want.crc)}${tail ? `, ${describeBody(want.bodyCrc)}` : ''}`;
      step(`${name}: device has ${seen}, expected ${expected} (attempt ${attempt} of ${attempts})`);
      await storage.erase(name);
      if (attempt >= attempts)
        throw new Error(
          `mote: ${name} was corrupted on the way to the device ${attempts} times (device ${seen}; ` +
            `host ${expected}); the previously installed model is untouched. ` +
            'Check the cable or radio link, or lower the baud rate.',
        );
      retries++;
    }
  };

  // The runtime is named by its CRC-32: an identical one already installed is kept.
  const rtCrc = crc32(runtime, 0, runtime.length);
  const rtName = `${PREFIX}r${hex(rtCrc)}`;
  let rt: InstalledFile;
  let runtimeSkipped = false;
  const have = old?.runtime.name === rtName ? await storage.check(rtName) : null;
  if (have && have.size === runtime.length && have.crc === rtCrc) {
    rt = { name: rtName, size: runtime.length, crc: rtCrc };
    runtimeSkipped = true;
    step(`runtime ${rtName} already installed (CRC-32 ${hex(rtCrc)})`);
  } else {
    // A corrupt copy under the current pointer's name must not be overwritten in place.
    const name = old?.runtime.name === rtName ? `${PREFIX}r${hex(rtCrc)}.${seq}` : rtName;
    rt = await install(checkedName(storage, name), runtime);
    step(`runtime ${rt.name}: ${runtime.length} bytes verified`);
  }
  const m = await install(checkedName(storage, `${PREFIX}m${seq}`), model, TRAILER);
  if (opts.modelMacs !== undefined) m.macs = opts.modelMacs;
  step(`model ${m.name}: ${model.length} bytes verified (CRC-32 ${hex(m.bodyCrc!)} without its trailer)`);

  const pointer: Pointer = { seq, runtime: rt, model: m, ...(opts.target ? { target: opts.target } : {}) };
  const record = encodePointer(pointer);
  const slot = slotFor(seq);
  switchStarts();
  await install(slot, record);
  step(`pointer ${slot} switched to ${m.name} (sequence ${seq})`);

  // After the switch: old versions and the other slot go.
  const inUse = new Set([rt.name, m.name, slot]);
  for (const name of await storage.list(PREFIX)) {
    if (!inUse.has(name)) {
      await storage.erase(name);
      removed.push(name);
    }
  }
  return { pointer, runtimeSkipped, bytesSent, removed, retries };
}

/** A .mote ends with the CRC-32 of everything before it (docs/FORMAT.md, "Trailer"). */
const TRAILER = 4;

function describeBody(crc: number | undefined): string {
  return `CRC-32 ${crc === undefined ? 'unknown' : hex(crc)} without the trailer`;
}

function checkedName(storage: DeviceStorage, name: string): string {
  if (name.length > storage.maxNameLength)
    throw new Error(`mote: file name ${name} is too long for ${storage.kind}`);
  return name;
}

export function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
