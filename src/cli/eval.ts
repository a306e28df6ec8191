import { readFile } from 'node:fs/promises';
import { loadWithEngine, type EngineChoice } from '../wasm/engine.js';
import { loadDigits, type Dataset } from '../data/digits.js';
import { evaluate } from '../evaluate.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage.js';

export const evalHelp = `mote eval <model.mote> [--dataset digits-test|digits-train] [--limit N] [--plan stream|cache] [--engine auto|js|wasm] [--json]

Runs the model over a labelled data set with mote's runtime and prints its accuracy,
mean time per inference and mean MACs per inference. digits-test is the 2,000 held-out MNIST digits.
--engine picks the kernels: wasm (WebAssembly), js, or auto (wasm when it exists).`;

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
): Promise<string> {
  const make = DATASETS[dataset];
  if (!make)
    throw new UsageError(`unknown dataset '${dataset}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const model = loadWithEngine(await readFile(file), { plan, engine });
  const bar = progressBar('evaluating', { enabled: !json }, 'samples');
  let r;
  try {
    r = evaluate(model, make(), limit, bar && ((done, total) => bar.update(done, total)));
  } finally {
    bar?.stop();
  }
  if (json)
    return JSON.stringify(
      { model: file, dataset, ...r, memory: model.memory, engine: model.engine },
      null,
      2,
    );
  return `${file} on ${dataset}: accuracy ${(r.accuracy * 100).toFixed(2)}% (${r.correct}/${r.count}), ${r.msPerInference.toFixed(3)} ms per inference, mean ${Math.round(r.meanMacs)} MACs (engine ${model.engine})`;
}
