// `mote emulate-device`: an emulated Espruino device on a pseudo-terminal, until Ctrl-C.
import { DEFAULT_TARGET } from '../../targets/index.js';
import { startEmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { targetArg } from './fit.js';
import { numberFlag } from './usage.js';

export const emulateDeviceHelp = `mote emulate-device [--target NAME] [--baud N] [--storage DIR]

Starts an emulated device (default ${DEFAULT_TARGET}) on a pseudo-terminal made by socat
and prints the port to pass as --port to flash, run and profile. It speaks the subset of
Espruino's REPL the bridge uses (Ctrl-C, echo(0), DLE-prefixed lines; Storage write/read/
readArrayBuffer/list/erase in DIR (default: a new temporary folder); E.CRC32, atob, btoa,
getTime, process.memory, print) and runs each line in QuickJS with the target's memory
limit. Kaluma targets (kaluma-pico) get Kaluma's REPL instead ('.echo off', lines ending
in \\r, strict mode, 1,023-character lines) and its fs module on the same folder. Serial
traffic both ways is paced to --baud (default 115200; 0: unpaced).
Runs until interrupted (Ctrl-C).`;

export async function emulateDeviceCommand(flags: {
  target?: string;
  baud?: string;
  storage?: string;
}): Promise<string> {
  const target = targetArg(flags.target);
  const baud = numberFlag('baud', flags.baud, 0, 100_000_000) ?? 115200;
  const device = await startEmulatedDevice({ target, baud, storageDir: flags.storage });
  process.stdout.write(
    `${device.port}\nemulated ${target.title} at ${baud || 'unpaced'} baud; Storage in ${device.storage.dir}; Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await device.stop();
  return 'stopped';
}
