// The main job (`npm start`): compile the bundled digits model, compress it, check
// its accuracy, and run it in the emulated default target, printing what it costs.
import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { importTfjsLayersFile } from '../import/tfjs/layers.js';
import { writeMote } from '../format/writer.js';
import { compressGraph, type CompressOptions } from '../compress/pipeline.js';
import { inspect } from '../format/inspect.js';
import { load } from '../runtime/model.js';
import { loadDigits } from '../data/digits.js';
import { evaluate } from '../evaluate.js';
import { progressBar } from './progress.js';
import { ROOT } from '../build/paths.js';
import { runtimeFor } from '../build/model-bundle.js';
import { DEFAULT_TARGET, getTarget } from '../../targets/index.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { engineDeadlineMs } from '../../targets/engines/harness.js';
import { kb, table } from './table.js';

export const demoHelp = `mote demo [--target NAME] [--out-dir DIR] [--json]

Compiles models/digits-mlp (a 784-64-32-10 network trained on MNIST digits) to .mote
twice, as float32 and compressed (3-bit weight clusters, Huffman-coded), measures
both on the 2,000 held-out digits, and runs the compressed model inside the emulated
target (QuickJS with the target's memory limit). Files go to DIR (default: a temp dir).`;

/**
 * The demo's compression: post-training weight sharing, no fine-tuning. (Pruning this
 * small network without fine-tuning costs several points, so the demo does not prune.)
 */
export const DEMO_RECIPE: CompressOptions = { clusterBits: 3 };
/** Digits run inside the emulated target (QuickJS is ~50× slower than Node). */
const EMULATED_DIGITS = 200;

export async function demoCommand(opts: {
  target?: string;
  outDir?: string;
  json: boolean;
}): Promise<string> {
  const target = getTarget(opts.target ?? DEFAULT_TARGET);
  const dir = opts.outDir ?? path.join(os.tmpdir(), 'mote-demo');
  await mkdir(dir, { recursive: true });
  const graph = await importTfjsLayersFile(path.join(ROOT, 'models/digits-mlp/model.json'), {
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
  const float = writeMote(graph);
  const compressed = writeMote(compressGraph(graph, DEMO_RECIPE));
  await writeFile(path.join(dir, 'digits-mlp.float.mote'), float);
  await writeFile(path.join(dir, 'digits-mlp.mote'), compressed);

  const test = loadDigits('test');
  // One bar over the three long steps: both evaluations (per sample), then the emulated run.
  const bar = progressBar('demo', { enabled: !opts.json }, 'samples');
  const n = Math.min(EMULATED_DIGITS, test.count);
  const total = 2 * test.count + n;
  let emu: Awaited<ReturnType<typeof runInQuickJS>>;
  let floatEval: ReturnType<typeof evaluate>;
  let compEval: ReturnType<typeof evaluate>;
  const model = load(compressed);
  try {
    floatEval = evaluate(load(float), test, test.count, bar && ((d) => bar.update(d, total, 'float32')));
    compEval = evaluate(
      model,
      test,
      test.count,
      bar && ((d) => bar.update(test.count + d, total, 'compressed')),
    );
    bar?.update(2 * test.count, total, `emulated ${target.name}`);
    const size = test.features.length / test.count;
    const inputs = Array.from({ length: n }, (_, i) => test.features.subarray(i * size, (i + 1) * size));
    // The runtime a device gets for this model: its own bundle (mote bundle).
    emu = await runInQuickJS(runtimeFor(compressed, target), compressed, inputs, {
      memoryLimitBytes: target.emulatorMemoryBytes,
      interruptAfterMs: engineDeadlineMs(model.macs, n),
    });
    bar?.update(total, total, 'done');
  } finally {
    bar?.stop();
  }
  const agree = emu.labels.filter((l, i) => l === test.labels[i]).length;
  const report = inspect(compressed);
  const result = {
    target: target.name,
    files: dir,
    float: { bytes: float.length, accuracy: floatEval.accuracy, msPerInference: floatEval.msPerInference },
    compressed: {
      bytes: compressed.length,
      ratio: report.ratio,
      accuracy: compEval.accuracy,
      msPerInference: compEval.msPerInference,
      recipe: DEMO_RECIPE,
    },
    emulated: {
      engine: emu.engine,
      digits: n,
      accuracy: agree / n,
      msPerInference: emu.msPerInference,
      runtimePeakBytes: emu.peakBytes,
      memoryLimitBytes: target.emulatorMemoryBytes,
    },
    macs: model.macs,
  };
  if (opts.json) return JSON.stringify(result, null, 2);
  const pct = (a: number) => `${(a * 100).toFixed(2)}%`;
  return [
    `mote demo: models/digits-mlp (784-64-32-10, ${graph.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0)} weights, ${model.macs} MACs)`,
    '',
    table(
      ['model', 'size', 'vs float32', 'accuracy', 'ms/inference', 'engine', 'digits'],
      [
        [
          'float32 .mote',
          kb(float.length),
          '1.0x',
          pct(floatEval.accuracy),
          floatEval.msPerInference.toFixed(3),
          'Node',
          test.count,
        ],
        [
          'compressed .mote',
          kb(compressed.length),
          `${(float.length / compressed.length).toFixed(1)}x`,
          pct(compEval.accuracy),
          compEval.msPerInference.toFixed(3),
          'Node',
          test.count,
        ],
        [
          'compressed .mote',
          kb(compressed.length),
          '',
          pct(agree / n),
          emu.msPerInference.toFixed(3),
          `${emu.engine} as ${target.name}`,
          n,
        ],
      ],
    ),
    '',
    `compression: ${DEMO_RECIPE.clusterBits}-bit weight clusters (k-means), indices Huffman-coded; biases float32; no fine-tuning`,
    `emulated target: ${target.title}, QuickJS heap limited to ${kb(target.emulatorMemoryBytes)}`,
    `runtime RAM for this model: ${kb(emu.peakBytes)} (weights are decoded row by row from the file at each inference)`,
    `files: ${dir}/digits-mlp.float.mote, ${dir}/digits-mlp.mote (try: npm run mote -- inspect ${dir}/digits-mlp.mote)`,
  ].join('\n');
}
