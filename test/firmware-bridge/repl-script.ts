// The same raw REPL script for the emulated device and the real firmware: a half line with a
// bracket open swallows the next lines, a line typed right behind a Ctrl-C onto that dirty
// line is cleared with it, and ESC [ 2 H erases the line in order. Returns what was printed.
import { openSerial } from '../../firmware-bridge/transport/serial.js';

export async function dirtyLineScript(port: string): Promise<string> {
  const link = await openSerial(port);
  let got = '';
  link.onData((d) => (got += Buffer.from(d).toString('latin1')));
  const settle = () => new Promise((r) => setTimeout(r, 150));
  try {
    await link.write('\x03');
    await settle();
    await link.write('\x10echo(0)\n');
    await settle();
    got = '';
    await link.write('\x10var y = (fun');
    await settle();
    await link.write('\x10print("swallowed")\n');
    await settle();
    await link.write('\x03\x10print("lost")\n\x10print("lost too")\n');
    await settle();
    await link.write('\x10print("after Ctrl-C")\n');
    await settle();
    await link.write('\x10var z = (fun');
    await settle();
    await link.write('\x1b[2H\x10print("after ESC [ 2 H")\n');
    await settle();
    await link.write('\x10echo(1)\n');
    await settle();
    return got;
  } finally {
    await link.close();
  }
}

/** What Espruino prints for that script (checked on the 2v29.74 firmware, firmware.test.ts). */
export const DIRTY_LINE_OUTPUT = 'after Ctrl-C\r\nafter ESC [ 2 H\r\n';
