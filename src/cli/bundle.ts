// `mote bundle`: the runtime for one model alone, as one ES5 file.
import { readFile } from 'node:fs/promises';
import { bundleForModel } from '../build/model-bundle.js';
import { sizeReport } from '../build/runtime.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Target } from '../../targets/target.js';

export const bundleHelp = `mote bundle <model.mote> -o <app.js> [--target T] [--embed] [--max-macs N] [--json]

Writes the runtime for this model alone: only the kernels of the ops its graph uses, the
int8 kernels and the early-exit scheduler only if it has int8 values or exits, and
Espruino's Storage path (load by name) only for an Espruino target (or no --target). ES5,
minified, defining the global \`mote\` like dist/mote-runtime.min.js; it runs by itself on
Espruino, JerryScript (Kaluma), QuickJS, Duktape and Node. \`mote flash\`, \`mote emulate\`
and \`mote fit\` use this bundle for the model they are given.

  --target T   leave out what T's engine cannot use (see mote targets)
  --embed      put the model's bytes in the bundle (base64), for boards without a file
               store: mote.load(mote.embedded())
  --max-macs N the bundle's default work bound (load's maxMacs), instead of the target's

The output is written atomically.`;

export async function bundleCommand(
  file: string,
  output: string,
  target: Target | undefined,
  embed: boolean,
  json: boolean,
  maxMacs?: number,
): Promise<string> {
  const model = new Uint8Array(await readFile(file));
  const b = bundleForModel(model, { target, embed, maxMacs });
  await writeFileAtomic(output, b.source);
  const size = sizeReport(b.source);
  const report = { output, bytes: size.bytes, gzipBytes: size.gzipBytes, ops: b.ops, parts: b.parts };
  if (json) return JSON.stringify(report, null, 2);
  return (
    `${output}: ${size.bytes} bytes minified (${size.gzipBytes} gzipped), the runtime for ${file} alone` +
    (target ? ` on ${target.name}` : '') +
    `\nops: ${b.ops.join(', ')}` +
    (b.parts.length ? `\nwith: ${b.parts.join(', ')}` : '')
  );
}
