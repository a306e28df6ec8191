// Help texts of the device commands, apart from their code so that `mote` loads serialport
// and QuickJS only when a device command runs.
import { DEFAULT_TARGET } from '../../targets/index.js';
import { PORT_HELP } from './port-options.js';

export const devicesHelp = `mote devices [--json]

Lists serial ports: USB boards (Espruino, Kaluma Pico) appear as /dev/ttyACM*, USB-UART
adapters as /dev/ttyUSB*, Bluetooth RFCOMM bridges as /dev/rfcomm*. Where the serialport
package cannot enumerate ports (it needs udev's udevadm on Linux), the usual device paths
are scanned instead, and the output says so. An emulated device ('mote emulate-device')
is a pseudo-terminal and is not listed: use the path it prints.`;

export const flashHelp = `mote flash <model.mote> --port PATH [--target NAME] [--baud N] [--max-macs N] [--json]

Installs dist/mote-runtime.min.js and the model on the device over its REPL: files go in
chunks, base64-encoded, under new names; each is checked with a CRC-32 computed on the
device (a mismatch is re-sent, at most 3 times); then a small pointer record is switched
to the new files and old versions are removed. A failed or interrupted flash leaves the
previous model and runtime installed and working. An identical runtime is not re-sent.
--max-macs N: the installed runtime's default work bound instead of the target's (a model
needing more MACs per inference is refused at load, on the host first).

${PORT_HELP}`;

export const profileHelp = `mote profile --port PATH --inputs <file.json> [--runs N] [--target NAME] [--plan P] [--json]

Runs the installed model on the device N times per input (default 10) with the runtime's
per-op profile, timed by the device's own clock (getTime() on Espruino), and reads the
engine's memory (process.memory()) with no model loaded, after loading, and after the
runs. Prints a per-layer table with the target's cost-model estimate beside each device
time, the exit taken and the outputs. The inputs file (--inputs, or --input) is as for 'mote run'.

${PORT_HELP}`;

export const emulateDeviceHelp = `mote emulate-device [--target NAME] [--baud N] [--storage DIR]

Starts an emulated device (default ${DEFAULT_TARGET}) on a real pseudo-terminal
and prints the port to pass as --port to flash, run and profile. It speaks the subset of
Espruino's REPL the bridge uses (Ctrl-C, echo(0), DLE-prefixed lines; Storage write/read/
readArrayBuffer/list/erase in DIR (default: a new temporary folder); E.CRC32, atob, btoa,
getTime, process.memory, print) and runs each line in QuickJS with the target's memory
limit. Kaluma targets (kaluma-pico) get Kaluma's REPL instead ('.echo off', lines ending
in \\r, strict mode, 1,023-character lines) and its fs module on the same folder. Serial
traffic both ways is paced to --baud (default 115200; 0: unpaced).
Runs until interrupted (Ctrl-C).`;
