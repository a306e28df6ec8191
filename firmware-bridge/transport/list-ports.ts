// `mote devices`: serial ports that could be a board. serialport's list() needs udev's
// `udevadm` on Linux; where that is missing, the usual device paths are scanned instead.
import { readdir, realpath } from 'node:fs/promises';
import { SerialPort } from 'serialport';

export interface PortInfo {
  path: string;
  /** USB manufacturer or by-id name, when known. */
  description?: string;
  vendorId?: string;
  productId?: string;
}

export interface PortList {
  ports: PortInfo[];
  /** 'serialport' when its list() worked, else 'scan' with the reason in `note`. */
  source: 'serialport' | 'scan';
  note?: string;
}

/** Folders and name patterns that hold serial devices on Linux (USB CDC, USB-UART, RFCOMM). */
const SCAN: { dir: string; match: RegExp }[] = [
  { dir: '/dev/serial/by-id', match: /./ },
  { dir: '/dev', match: /^(ttyACM|ttyUSB|rfcomm)\d+$/ },
];

export async function listPorts(): Promise<PortList> {
  try {
    const found = await SerialPort.list();
    return {
      source: 'serialport',
      ports: found.map((p) => ({
        path: p.path,
        description: p.manufacturer ?? p.pnpId,
        vendorId: p.vendorId,
        productId: p.productId,
      })),
    };
  } catch (e) {
    const ports = await scanDevFolders();
    return {
      source: 'scan',
      ports,
      note: `serialport could not list ports (${(e as Error).message}); scanned /dev/serial/by-id, /dev/ttyACM*, /dev/ttyUSB*, /dev/rfcomm* instead`,
    };
  }
}

async function scanDevFolders(): Promise<PortInfo[]> {
  const byReal = new Map<string, PortInfo>();
  for (const { dir, match } of SCAN) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue; // the folder does not exist on this machine
    }
    for (const n of names.filter((x) => match.test(x)).sort()) {
      const path = `${dir}/${n}`;
      const real = await realpath(path).catch(() => path);
      const info = byReal.get(real);
      if (!info) byReal.set(real, dir.endsWith('by-id') ? { path: real, description: n } : { path: real });
      else if (dir.endsWith('by-id')) info.description = n;
    }
  }
  return [...byReal.values()];
}
