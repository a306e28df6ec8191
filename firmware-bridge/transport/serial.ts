// The serial-port transport: USB CDC and UART boards, and watches reached through a serial
// bridge (an RFCOMM device, a BLE-UART bridge exposing a tty), through `serialport`.
import { SerialPort } from 'serialport';
import type { Transport } from './transport.js';

export const DEFAULT_BAUD = 115200;

/** Opens `path` at `baudRate` (8N1, no flow control), failing with the OS's reason. */
export async function openSerial(path: string, baudRate = DEFAULT_BAUD): Promise<Transport> {
  // A port closed a moment ago (by us, or a previous `mote` command) can still hold its
  // exclusive lock briefly; "Cannot lock port" is retried for up to a second.
  let port: SerialPort | undefined;
  for (let attempt = 0; !port; attempt++) {
    try {
      port = await new Promise<SerialPort>((resolve, reject) => {
        const p: SerialPort = new SerialPort({ path, baudRate, autoOpen: true }, (err) =>
          err ? reject(err) : resolve(p),
        );
      });
    } catch (e) {
      const message = (e as Error).message;
      if (!/Cannot lock port/.test(message) || attempt >= 10)
        throw new Error(
          `mote: cannot open ${path}: ${message}${/lock/i.test(message) ? ' (is another program, e.g. the Web IDE or a terminal, using it?)' : ''}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let receiver: ((d: Uint8Array) => void) | undefined;
  const closeListeners: ((reason: string) => void)[] = [];
  let closed = false;
  const closedWith = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  port.on('data', (d: Buffer) => receiver?.(d));
  port.on('close', () => closedWith('port closed'));
  port.on('error', (e: Error) => closedWith(e.message));

  return {
    name: path,
    get isOpen() {
      return !closed && port.isOpen;
    },
    write(data) {
      return new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error(`mote: ${path} is closed`));
        port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (err) => {
          if (err) return reject(new Error(`mote: write to ${path} failed: ${err.message}`));
          port.drain((e) =>
            e ? reject(new Error(`mote: write to ${path} failed: ${e.message}`)) : resolve(),
          );
        });
      });
    },
    onData(r) {
      receiver = r;
    },
    onClose(l) {
      closeListeners.push(l);
    },
    close() {
      return new Promise<void>((resolve) => {
        if (!port.isOpen) {
          closedWith('closed by the host');
          return resolve();
        }
        port.close(() => {
          closedWith('closed by the host');
          resolve();
        });
      });
    },
  };
}
