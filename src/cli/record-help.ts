// `mote record --help`, apart from the command so the CLI starts without serialport.
export const recordHelp = `mote record (--port PATH | --device emulator:banglejs2) --label NAME -o data.csv
            [--window N] [--rate HZ] [--count K] [--session NAME] [--source auto|bangle|puck|analog:PINS]
            [--target NAME] [--baud N] [--timeout MS] [--json]

Records K windows of N accelerometer samples at HZ from an Espruino device and appends them
to a CSV, one reading a row, a window's N readings on consecutive rows:

  label,session,x,y,z

The header is written when the file is new; a file with another header is refused. Each
window is appended as it arrives, so an interrupted recording keeps the windows it has.
Record each gesture or activity with its own --label, into the same file, then train on it
with the same window: mote train --data FILE --label label --window N --group session ...

  --port PATH       the device's serial port, or the port of a BLE-UART bridge (see 'mote devices')
  --device emulator:banglejs2|emulator:banglejs1
                    the watch's firmware in this process instead of a device (see below)
  --label NAME      the class of these windows (letters, digits, - _ .)
  -o FILE           the CSV to append to
  --window N        samples per window (default 50)
  --rate HZ         samples per second (default 12.5, the Bangle's own rate; 1-100)
  --count K         windows to record (default 10)
  --session NAME    a second column to tell recordings apart (default: the start time)
  --source S        auto (default): Bangle.on('accel') on a Bangle.js (values in g), else
                    Puck.accel() on a Puck.js (raw sensor units); analog:A0,A1,A2: analogRead
                    of those pins on any Espruino board (0..1), one channel each
  --target NAME     the board behind --port (default banglejs2); Espruino boards only
  --baud N, --timeout MS   serial speed (default 115200); ms to wait for each answer (default 5000)

On the device a small recorder (one REPL line) samples the sensor and prints each full
window as one line of integers; nothing is stored there. It stops itself after K windows,
or when mote stops (Ctrl-C keeps what was recorded).

The emulator: the real Bangle.js firmware (as 'mote fit' runs it), but its accelerometer is
not emulated (it reads zeros and sends no events). mote feeds SIMULATED samples into the
firmware's event queue (Bangle.emit('accel', ...) at its REPL): per axis a sine whose
frequency and amplitude follow from the label, plus noise. The recorder, the REPL stream
and the CSV are exercised as on a watch; the data are not motion.

A progress bar (with ETA) is drawn on stderr when it is a terminal, not under --json.`;
