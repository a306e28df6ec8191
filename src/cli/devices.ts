// `mote devices`: serial ports a board or a watch bridge could be on.
import { listPorts } from '../../firmware-bridge/transport/list-ports.js';

export const devicesHelp = `mote devices [--json]

Lists serial ports: USB boards (Espruino, Kaluma Pico) appear as /dev/ttyACM*, USB-UART
adapters as /dev/ttyUSB*, Bluetooth RFCOMM bridges as /dev/rfcomm*. Where the serialport
package cannot enumerate ports (it needs udev's udevadm on Linux), the usual device paths
are scanned instead, and the output says so. An emulated device ('mote emulate-device')
is a pseudo-terminal and is not listed: use the path it prints.`;

export async function devicesCommand(json: boolean): Promise<string> {
  const r = await listPorts();
  if (json) return JSON.stringify(r, null, 2);
  const lines = r.ports.length
    ? r.ports.map(
        (p) =>
          `${p.path}${p.description ? `  ${p.description}` : ''}${p.vendorId ? `  (USB ${p.vendorId}:${p.productId})` : ''}`,
      )
    : ['no serial ports found'];
  if (r.note) lines.push(`note: ${r.note}`);
  return lines.join('\n');
}
