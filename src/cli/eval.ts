import { readFile } from 'node:fs/promises';
import { loadWithEngine, type EngineChoice } from '../wasm/engine.js';
import { loadDigits, type Dataset } from '../data/digits.js';
import { evaluate } from '../evaluate.js';
import { UsageError } from './usage.js';
import { MAX_MACS_HELP } from './max-macs.js';

export const evalHelp = `mote eval <model.mote> [--dataset digits-test|digits-train] [--limit N] [--plan stream|cache] [--engine auto|js|wasm] [--max-macs N] [--json]

Runs the model over a labelled data set with mote's runtime and prints its accuracy,
mean time per inference and mean MACs per inference. digits-test is the 2,000 held-out MNIST digits.
--engine picks the kernels: wasm (WebAssembly), js, or auto (wasm when it exists).
${MAX_MACS_HELP}`;

export const DATASETS: Record<string, () => Dataset> = {
  'digits-test': () => loadDigits('test'),
  'digits-train': () => loadDigits('train'),
};

export async function evalCommand(
  file: string,
  dataset: string,
  limit: number | undefined,
  plan: string,
  json: boolean,
  engine: EngineChoice = 'auto',
  maxMacs?: number,
): Promise<string> {
  const make = DATASETS[dataset];
  if (!make)
    throw new UsageError(`unknown dataset '${dataset}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const model = loadWithEngine(await readFile(file), { plan, engine, maxMacs });
  const r = evaluate(model, make(), limit);
  if (json)
    return JSON.stringify(
      { model: file, dataset, ...r, memory: model.memory, engine: model.engine },
      null,
      2,
    );
  return `${file} on ${dataset}: accuracy ${(r.accuracy * 100).toFixed(2)}% (${r.correct}/${r.count}), ${r.msPerInference.toFixed(3)} ms per inference, mean ${Math.round(r.meanMacs)} MACs (engine ${model.engine})`;
}
