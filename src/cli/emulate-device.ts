// `mote emulate-device`: an emulated Espruino device on a pseudo-terminal, until Ctrl-C.
import { startEmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { targetArg } from './fit.js';
import { numberFlag } from './usage.js';

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
