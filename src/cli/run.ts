import { readFile } from 'node:fs/promises';
import { run } from '../runtime/model.js';
import { loadWithEngine, type EngineChoice } from '../wasm/engine.js';
import { PORT_HELP } from './port-options.js';
import { MAX_MACS_HELP } from './max-macs.js';

export const runHelp = `mote run <model.mote> --input <file.json|-> [--plan stream|cache] [--engine auto|js|wasm] [--max-macs N] [--json]

Runs the model in this process with mote's runtime. --engine wasm runs the hot ops in
WebAssembly, js the runtime's own kernels; auto (default) picks wasm when it exists. The input file holds one sample
as a JSON array of numbers, or several samples as an array of arrays. A run whose output
holds NaN or Infinity fails (exit 1) naming the first layer whose output went non-finite.
${MAX_MACS_HELP}

mote run --port PATH --input <file.json> [--target NAME] [--baud N] [--timeout MS] [--plan P] [--json]
runs the model installed on a device ('mote flash') instead, on the device.

${PORT_HELP}`;

/** One sample or several, from the JSON text; anything else is a bad input file (exit 1), named. */
export function parseSamples(text: string, file: string): number[][] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const isSample = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => typeof n === 'number');
  if (isSample(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every(isSample)) return v;
  throw new Error(`${file}: expected an array of numbers or an array of such arrays`);
}

export async function runCommand(
  file: string,
  inputFile: string,
  plan: string,
  json: boolean,
  engine: EngineChoice = 'auto',
  maxMacs?: number,
): Promise<string> {
  const model = loadWithEngine(await readFile(file), { plan, engine, maxMacs });
  const text = inputFile === '-' ? await readStdin() : await readFile(inputFile, 'utf8');
  const samples = parseSamples(text, inputFile);
  const labels = model.meta.labels as string[] | undefined;
  const results = samples.map((s) => {
    const r = run(model, s);
    return {
      outputs: r.outputs.map((o) => Array.from(o)),
      label: r.label,
      labelName: labels?.[r.label],
      macs: r.macs,
    };
  });
  if (json) return JSON.stringify({ results, memory: model.memory, engine: model.engine }, null, 2);
  return results
    .map((r, i) => {
      const probs = r.outputs[0].map((p) => +p.toPrecision(4)).join(', ');
      const name = r.labelName === undefined ? '' : ` '${r.labelName}'`;
      return `sample ${i}: class ${r.label}${name}; output [${probs}]; ${r.macs} MACs`;
    })
    .concat(
      `runtime memory: ${model.memory.peak} bytes (activations ${model.memory.activations}, weights ${model.memory.resident}, scratch ${model.memory.scratch})`,
    )
    .join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
