// `mote devices`: serial ports a board or a watch bridge could be on.
import { listPorts } from '../../firmware-bridge/transport/list-ports.js';

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
