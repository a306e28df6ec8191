// Flags shared by the commands that talk to a device over a port.
import { DEFAULT_TARGET } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import type { SessionOptions } from '../../firmware-bridge/session.js';
import { targetArg } from './fit.js';
import { numberFlag } from './usage.js';

export interface PortFlags {
  port: string;
  target?: string;
  baud?: string;
  timeout?: string;
}

export const PORT_HELP = `  --port PATH     the serial port (see 'mote devices', or the path 'mote emulate-device' prints)
  --target NAME   the board (default ${DEFAULT_TARGET}); Kaluma targets use Kaluma's REPL and fs
  --baud N        serial speed (default 115200; USB CDC ignores it)
  --timeout MS    how long to wait for each answer (default 5000)`;

export function portOptions(f: PortFlags): { target: Target; session: SessionOptions } {
  return {
    target: targetArg(f.target),
    session: {
      baud: numberFlag('baud', f.baud, 300, 4_000_000),
      timeoutMs: numberFlag('timeout', f.timeout, 100, 600_000),
    },
  };
}
