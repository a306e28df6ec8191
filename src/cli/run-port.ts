// `mote run --port`: run inputs on the model installed on a device.
import { readFile } from 'node:fs/promises';
import { openSession } from '../../firmware-bridge/session.js';
import { runOnDevice } from '../../firmware-bridge/operations.js';
import { parseSamples } from './run.js';
import { portOptions, type PortFlags } from './port-options.js';

export async function runPortCommand(
  inputFile: string,
  flags: PortFlags,
  plan: string,
  json: boolean,
): Promise<string> {
  const samples = parseSamples(await readFile(inputFile, 'utf8'), inputFile);
  const { target, session: opts } = portOptions(flags);
  const s = await openSession(flags.port, target, opts);
  try {
    const r = await runOnDevice(s, samples, { plan, memoryLimit: target.ramForModelBytes });
    if (json) return JSON.stringify(r, null, 2);
    return r.results
      .map((x, i) => {
        const probs = x.outputs.map((p) => +p.toPrecision(4)).join(', ');
        const name = x.labelName === undefined ? '' : ` '${x.labelName}'`;
        return `sample ${i}: class ${x.label}${name}; output [${probs}]; ${x.macs} MACs; ${x.ms.toFixed(3)} ms on the device`;
      })
      .concat(`ran ${r.model} on ${r.port}; runtime memory ${r.info.runtimeMemory.peak} bytes`)
      .join('\n');
  } finally {
    await s.close();
  }
}
