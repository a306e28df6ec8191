// `mote flash`: install the runtime bundle and a model on a device, atomically.
import { readFile } from 'node:fs/promises';
import { runtimeFor } from '../build/model-bundle.js';
import { openSession } from '../../firmware-bridge/session.js';
import { flashModel } from '../../firmware-bridge/operations.js';
import { hex } from '../../firmware-bridge/flash/atomic.js';
import { portOptions, type PortFlags } from './port-options.js';
import { progressBar, type Bar } from './progress.js';

export async function flashCommand(
  file: string,
  flags: PortFlags,
  json: boolean,
  maxMacs?: number,
): Promise<string> {
  const model = new Uint8Array(await readFile(file));
  const { target, session: opts } = portOptions(flags);
  const runtime = runtimeFor(model, target, maxMacs);
  const s = await openSession(flags.port, target, opts);
  // A bar per file sent, on an interactive terminal only (stderr, quiet under --json).
  let bar: Bar | undefined;
  let current = '';
  try {
    const r = await flashModel(s, runtime, model, {
      target: target.name,
      onProgress: (name, sent, size) => {
        if (name !== current) {
          bar?.stop();
          current = name;
          bar = progressBar(`sending ${name}`, { enabled: !json }, 'bytes');
        }
        bar?.update(sent, size);
      },
    });
    bar?.stop();
    if (json) return JSON.stringify(r, null, 2);
    const p = r.pointer;
    return [
      `flashed ${file} to ${flags.port} (${target.title}), ${s.storage.kind}`,
      // The model's own CRC-32 (its trailer, E.CRC32(Storage.read(name, 0, size - 4)) on the
      // device): the whole file's CRC-32 is 2144df1c for every .mote, as it ends with its CRC.
      `model   ${p.model.name}: ${p.model.size} bytes, CRC-32 ${hex(p.model.bodyCrc ?? p.model.crc)} ` +
        `(the file's checksum, without its 4-byte trailer) verified on the device`,
      `runtime ${p.runtime.name}: ${p.runtime.size} bytes, ${r.runtimeSkipped ? 'already installed' : 'CRC-32 verified on the device'}`,
      `pointer switched (sequence ${p.seq}); removed ${r.removed.length ? r.removed.join(', ') : 'nothing'}`,
      `${r.bytesSent} bytes in ${r.seconds.toFixed(2)} s (${Math.round(r.bytesPerSecond)} bytes/s)${r.resent ? `; ${r.resent} request(s) garbled by the link and re-sent` : ''}${r.retries ? `; ${r.retries} whole file(s) re-sent after a CRC mismatch` : ''}`,
    ].join('\n');
  } finally {
    bar?.stop();
    await s.close();
  }
}
