// A garbled chunk never lands: hundreds of request lines, each garbled once (one bit flipped
// or 1-16 bytes dropped, as firmware-bridge/emulator/noisy-link.ts does), go into the
// Bangle.js 2 firmware's console byte by byte. As checked lines, none leaves a wrong byte in
// Storage or touches another file; the same requests as plain lines do (the control, which
// shows the garbling can do harm).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFirmwareConsole, type FirmwareConsole } from '../../firmware-bridge/emulator/firmware-device.js';
import { garble } from '../../firmware-bridge/emulator/noisy-link.js';
import { mulberry32 } from '../../src/data/prng.js';
import { getTarget } from '../../targets/index.js';
import type { Transport } from '../../firmware-bridge/transport/transport.js';
import { startSession, type Session } from '../../firmware-bridge/session.js';
import { chunkBody } from '../../firmware-bridge/espruino/storage.js';

let fw: FirmwareConsole;
let session: Session;
/** Every file in Storage before the trials (the watch's own, and one to keep). */
let baseline: string[];

/** The firmware's console as a byte link: what is written is typed into its UART input. */
function consoleLink(c: FirmwareConsole): Transport {
  return {
    name: 'firmware console',
    isOpen: true,
    write: async (data) => c.write(Buffer.from(data).toString('latin1')),
    onData: (r) => c.onOutput((chars) => r(Buffer.from(chars, 'latin1'))),
    onClose: () => undefined,
    close: async () => undefined,
  };
}

beforeAll(async () => {
  fw = await bootFirmwareConsole('banglejs2');
  session = await startSession(consoleLink(fw), getTarget('banglejs2'));
}, 60_000);

afterAll(() => fw?.close());

const CHUNK = new Uint8Array(Array.from({ length: 384 }, (_, i) => (i * 37 + 11) & 0xff));
const NAME = 'mote.t';

/** What Storage holds: every name, and the test file in base64 (or null). */
async function storageState(): Promise<{ names: string[]; file: string | null }> {
  const v = (await session.repl.call(
    `var S=require("Storage"),f=S.read(${JSON.stringify(NAME)});` +
      'return [S.list().sort(),f===undefined?null:btoa(f)]',
    'reading the state of Storage',
  )) as [string[], string | null];
  return { names: v[0], file: v[1] };
}

/** Sends `line` garbled once, raw; returns whether the file then holds anything wrong. */
async function trial(
  line: string,
  rand: () => number,
): Promise<{ wrongBytes: boolean; strayFiles: boolean }> {
  await session.repl.call(`require("Storage").erase(${JSON.stringify(NAME)});return 1`, 'erasing');
  await session.link.write(garble(Buffer.from(line, 'latin1'), rand));
  // The firmware handles input synchronously; a half line is erased by the next request.
  const { names, file } = await storageState();
  const want = Buffer.concat([Buffer.from(CHUNK), Buffer.alloc(384, 0xff)]).toString('base64');
  return {
    wrongBytes: file !== null && file !== want,
    strayFiles:
      names.some((n) => n !== NAME && !baseline.includes(n)) || baseline.some((n) => !names.includes(n)),
  };
}

describe('a garbled chunk line never lands (the Bangle.js 2 firmware)', () => {
  it('checked lines: 300 garbled writes leave the chunk whole or absent, and no stray file', async () => {
    await session.repl.call(
      'require("Storage").write("mote.keep","keep");return 1',
      'writing a file to keep',
    );
    baseline = (await storageState()).names.filter((n) => n !== NAME);
    expect(baseline).toContain('mote.keep');
    const rand = mulberry32(17);
    const body = chunkBody(JSON.stringify(NAME), CHUNK, 0, 768);
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const r = await trial(session.repl.checkedLine(`t.${i}`, body), rand);
      expect(r).toEqual({ wrongBytes: false, strayFiles: false });
      if ((await storageState()).file === null) refused++;
    }
    // Nearly every garbled line was refused or did not parse: nothing was written.
    expect(refused).toBeGreaterThan(250);
    expect(await session.repl.call('return require("Storage").read("mote.keep")', 'reading')).toBe('keep');
  }, 120_000);

  it('plain lines (the control): the same garbling lands wrong bytes or stray files', async () => {
    const rand = mulberry32(17);
    const body = chunkBody(JSON.stringify(NAME), CHUNK, 0, 768);
    let harmed = 0;
    for (let i = 0; i < 300; i++) {
      const r = await trial(session.repl.line(`p.${i}`, '', body), rand);
      if (r.wrongBytes || r.strayFiles) harmed++;
    }
    expect(harmed).toBeGreaterThan(100);
  }, 120_000);
});
