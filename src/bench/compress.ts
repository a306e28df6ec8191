// `npm run bench:compress`: the compression pipeline against Deep Compression's published
// table. For each reference model: float32 size, committed .mote size, ratio, accuracy
// before and after (both through mote's runtime on the 2,000 held-out digits), the size
// after each stage (pruning only, + clustering, + Huffman), per-layer breakdown; then
// structured pruning, the lottery-ticket experiment, low-rank and post-training
// quantization on LeNet-300-100, and a plot of accuracy against size.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../build/paths.js';
import { loadDigits } from '../data/digits.js';
import { readMote } from '../format/reader.js';
import { writeMote } from '../format/writer.js';
import { inspect } from '../format/inspect.js';
import { load } from '../runtime/model.js';
import { evaluate } from '../evaluate.js';
import type { Graph } from '../ir/types.js';
import { initTraining } from '../train/backend.js';
import { train } from '../train/loop.js';
import { loadTrainableGraph } from '../cli/compress.js';
import { initialState } from '../compress/state.js';
import { structuredPrune, denseWidths } from '../compress/structured.js';
import { lowRankStage } from '../compress/lowrank.js';
import { quantizeStage } from '../compress/quantize-stage.js';
import { encodeState } from '../compress/encode.js';
import { lotteryTicket } from '../compress/lottery.js';
import type { CompressReport } from '../compress/run-recipe.js';
import { writeFileAtomic } from '../io/atomic.js';
import { stageSizes } from './compress-stages.js';
import { scatterSvg, type PlotPoint } from './svg-plot.js';
import { provenance, writeBenchSection } from './report.js';

const PAPER: Record<
  string,
  { label: string; baseErr: number; baseKB: number; err: number; kb: number; ratio: number }
> = {
  'lenet-300-100': { label: 'LeNet-300-100', baseErr: 1.64, baseKB: 1070, err: 1.58, kb: 27, ratio: 40 },
  'lenet-5': { label: 'LeNet-5', baseErr: 0.8, baseKB: 1720, err: 0.74, kb: 44, ratio: 39 },
};
/** Epochs of each training run in the experiments (kept short: this is a benchmark). */
const EPOCHS = Number(process.env.MOTE_BENCH_EPOCHS ?? 3);

const test = loadDigits('test');
const trainSet = loadDigits('train');
const accuracy = (bytes: Uint8Array) => evaluate(load(bytes), test).accuracy;
const pct = (a: number) => `${(a * 100).toFixed(2)}%`;
const err = (a: number) => `${((1 - a) * 100).toFixed(2)}%`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const x = (r: number) => `${r.toFixed(1)}×`;
const params = (g: Graph) => g.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
const points: PlotPoint[] = [];
const log = (s: string) => process.stderr.write(s + '\n');

await initTraining();
const out: string[] = [
  '## Compression pipeline: Deep Compression on the reference models',
  '',
  provenance('npm run bench:compress') + ' (src/bench/compress.ts)',
  '',
  "Every accuracy here is measured by running the `.mote` through mote's runtime over the",
  "2,000 held-out digits (`loadDigits('test')`), never through TensorFlow.js. Ratios are",
  "float32 bytes of the model's weights and biases over the whole `.mote` file (header,",
  'graph, codebooks, Huffman tables, biases included). Our data are the 10,000 digits of',
  "the `mnist` package (8,000 train / 2,000 test), not MNIST's 60,000/10,000, so our",
  "baselines are weaker than the paper's; compare ratios and the accuracy change.",
  '',
];

const summary: string[][] = [];
const details: string[] = [];
for (const name of Object.keys(PAPER)) {
  const dir = path.join(ROOT, 'models', name);
  const moteFile = path.join(dir, `${name}.mote`);
  if (!existsSync(moteFile)) {
    summary.push([PAPER[name].label, '—', '—', '—', '—', '—', `not built (no models/${name}/${name}.mote)`]);
    continue;
  }
  log(`${name}: float baseline and compressed model through the runtime`);
  const floatGraph = await loadTrainableGraph(path.join(dir, 'model.json'));
  const floatBytes = params(floatGraph) * 4;
  const floatAcc = accuracy(writeMote(floatGraph));
  const bytes = readFileSync(moteFile);
  const acc = accuracy(bytes);
  const p = PAPER[name];
  summary.push([
    p.label,
    `${kb(floatBytes)} → ${kb(bytes.length)}`,
    `**${x(floatBytes / bytes.length)}**`,
    `${err(floatAcc)} → ${err(acc)}`,
    `${((acc - floatAcc) * 100).toFixed(2)} points`,
    `${p.baseKB} KB → ${p.kb} KB, ${p.ratio}×`,
    `${p.baseErr}% → ${p.err}%`,
  ]);
  points.push({ series: p.label, label: 'float32', bytes: floatBytes, accuracy: floatAcc });
  const g = readMote(bytes);
  const st = stageSizes(g);
  points.push({ series: p.label, label: 'pruned + clustered + Huffman', bytes: bytes.length, accuracy: acc });
  const reportFile = path.join(dir, 'report.json');
  const report = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as CompressReport)
    : undefined;
  details.push(`### ${p.label}`, '');
  details.push(
    `Made by \`npm run mote -- compress models/${name}/model.json --recipe models/recipes/${name}.json -o models/${name}/${name}.mote --report models/${name}/report.json\`; float weights by \`npx tsx models/train-lenet.ts ${name}\`.`,
    '',
    '| stage (same final weights, re-stored) | bytes | ratio | Deep Compression |',
    '|---|---|---|---|',
    `| float32 | ${floatBytes} | 1.0× | 1× |`,
    `| pruning only (sparse, float32 values, fixed-width relative indices) | ${st.pruneOnly} | ${x(floatBytes / st.pruneOnly)} | 12× (pruning) |`,
    `| + clustering (codebook indices, fixed width) | ${st.clustered} | ${x(floatBytes / st.clustered)} | ${name === 'lenet-5' ? '33×' : '32×'} |`,
    `| + Huffman (indices and gaps) = the file | ${st.huffman} | ${x(floatBytes / st.huffman)} | ${p.ratio}× |`,
    '',
  );
  if (report) {
    details.push(
      `The pipeline's own stages (from \`models/${name}/report.json\`, accuracy through the runtime after each stage):`,
      '',
      '| stage | what | bytes | ratio | accuracy |',
      '|---|---|---|---|---|',
      ...report.stages.map(
        (s) =>
          `| ${s.stage} | ${s.summary} | ${s.fileBytes} | ${x(report.float32Bytes / s.fileBytes)} | ${s.accuracy === undefined ? '—' : pct(s.accuracy)} |`,
      ),
      '',
    );
    const pruned = report.stages.find((s) => s.stage === 'prune');
    if (pruned && pruned.accuracy !== undefined)
      points.push({
        series: p.label,
        label: 'pruned (float values)',
        bytes: pruned.fileBytes,
        accuracy: pruned.accuracy,
      });
  }
  details.push(
    'Per layer (the committed file):',
    '',
    '| tensor | shape | encoding | kept | clusters | index bits | gap bits | bytes |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const t of inspect(bytes).tensors)
    details.push(
      `| ${t.name} | ${t.shape.join('×')} | ${t.encoding} | ${t.sparsity === undefined ? '100%' : pct(1 - t.sparsity)} | ${t.codebookSize ?? '—'} | ${t.indices ? t.indices.bitsPerSymbol.toFixed(2) : '—'} | ${t.gaps ? t.gaps.bitsPerSymbol.toFixed(2) : '—'} | ${t.bytes} |`,
    );
  details.push('');
}
out.push(
  '| model | size | ratio | error (float → compressed) | accuracy change | Deep Compression size | Deep Compression error |',
  '|---|---|---|---|---|---|---|',
  ...summary.map((r) => `| ${r.join(' | ')} |`),
  '',
  ...details,
);

// Experiments on LeNet-300-100.
const base = await loadTrainableGraph(path.join(ROOT, 'models/lenet-300-100/model.json'));
const baseAcc = accuracy(writeMote(base));
const baseBytes = writeMote(base).length;
const tune = { batchSize: 64, learningRate: 5e-4, seed: 1 };

log('structured pruning');
const structuredRows: string[] = [];
for (const importance of ['norm', 'apoz'] as const) {
  const s = structuredPrune(initialState(base), { keep: { fc1: 1 / 3, fc2: 0.5 }, importance }, trainSet);
  const before = accuracy(writeMote(s.graph));
  const tuned = await train(s.graph, trainSet, { ...tune, epochs: EPOCHS });
  const b = writeMote(tuned.graph);
  const a = accuracy(b);
  structuredRows.push(
    `| ${importance} | ${denseWidths(tuned.graph)} | ${params(tuned.graph)} | ${b.length} | ${x(baseBytes / b.length)} | ${pct(before)} | ${pct(a)} |`,
  );
  points.push({
    series: 'LeNet-300-100 experiments',
    label: `structured (${importance})`,
    bytes: b.length,
    accuracy: a,
  });
}
// LeNet-5: whole conv channels and dense neurons (one fine-tuning epoch: conv training is slow here).
let lenet5Row = '';
if (existsSync(path.join(ROOT, 'models/lenet-5/model.json'))) {
  log('structured pruning of LeNet-5 channels');
  const g5 = await loadTrainableGraph(path.join(ROOT, 'models/lenet-5/model.json'));
  const b5 = writeMote(g5).length;
  const s = structuredPrune(initialState(g5), {
    keep: { conv1: 0.5, conv2: 0.5, fc1: 0.5 },
    importance: 'norm',
  });
  const before = accuracy(writeMote(s.graph));
  const tuned = await train(s.graph, trainSet, { ...tune, epochs: 1 });
  const b = writeMote(tuned.graph);
  const a = accuracy(b);
  lenet5Row = `| LeNet-5, norm, 1 epoch | ${denseWidths(tuned.graph)} | ${params(tuned.graph)} | ${b.length} | ${x(b5 / b.length)} | ${pct(before)} | ${pct(a)} |`;
  points.push({ series: 'LeNet-5 experiments', label: 'structured (norm)', bytes: b.length, accuracy: a });
}
out.push(
  '### Structured pruning (LeNet-300-100)',
  '',
  `Whole hidden neurons removed (fc1 300 → 100, fc2 100 → 50) by importance, giving a smaller`,
  `**dense** network (float32, no sparse storage), then ${EPOCHS} epochs of fine-tuning. Float baseline: ${pct(baseAcc)}, ${baseBytes} bytes.`,
  '',
  '| importance | widths (units / channels) | parameters | bytes (float32 .mote) | smaller by | accuracy before fine-tuning | after |',
  '|---|---|---|---|---|---|---|',
  ...structuredRows,
  ...(lenet5Row ? [lenet5Row] : []),
  '',
  "LeNet-5 row: half of the output channels of conv1 (20 → 10) and conv2 (50 → 25) and half of fc1's",
  'neurons (500 → 250) removed by weight norm, the matching input channels and flattened columns',
  'of the next layers with them.',
  '',
);

log('lottery ticket');
const lt = await lotteryTicket(base, trainSet, test, {
  sparsity: { fc1: 0.92, fc2: 0.91, fc3: 0.74 },
  epochs: EPOCHS,
  seed: 7,
  tune: { batchSize: 64, learningRate: 1e-3 },
  onPhase: (p) => log(`  lottery: ${p}`),
});
out.push(
  '### Lottery ticket (LeNet-300-100 architecture)',
  '',
  `A fresh net (seeded Glorot init) trained ${EPOCHS} epochs, pruned one-shot by magnitude to`,
  `${pct(1 - lt.sparsity)} of its weights (fc1 8%, fc2 9%, fc3 26%), then retrained ${EPOCHS} epochs with the mask`,
  'from (a) the surviving weights rewound to their initial values and (b) a new random init.',
  'Frankle & Carbin report that (a) matches the dense net down to ~3.6% of weights on MNIST while (b) falls behind.',
  '',
  '| run | accuracy |',
  '|---|---|',
  `| dense, trained | ${pct(lt.denseAccuracy)} |`,
  `| pruned, not retrained | ${pct(lt.prunedNoRetrainAccuracy)} |`,
  `| **rewound** to the original init, retrained | ${pct(lt.rewoundAccuracy)} |`,
  `| random re-init, same mask, retrained | ${pct(lt.reinitAccuracy)} |`,
  '',
  `Result: rewinding ${lt.rewoundAccuracy > lt.reinitAccuracy ? 'beats' : lt.rewoundAccuracy < lt.reinitAccuracy ? 'trails' : 'ties'} random re-initialisation by ${((lt.rewoundAccuracy - lt.reinitAccuracy) * 100).toFixed(2)} points at this sparsity and budget.`,
  '',
);

log('low-rank and post-training quantization');
const otherRows: string[] = [];
const addRow = (label: string, b: Uint8Array, note: string) => {
  const a = accuracy(b);
  otherRows.push(`| ${label} | ${b.length} | ${x(baseBytes / b.length)} | ${pct(a)} | ${note} |`);
  points.push({ series: 'LeNet-300-100 experiments', label, bytes: b.length, accuracy: a });
};
{
  const lr = lowRankStage(initialState(base), { rank: { fc1: 32 } });
  const tuned = await train(lr.graph, trainSet, { ...tune, epochs: EPOCHS });
  addRow('SVD fc1 rank 32', writeMote(tuned.graph), `fc1 784→32→300, ${EPOCHS} epochs fine-tuning, float32`);
}
for (const [label, mode, perChannel] of [
  ['int8 per channel', 'int8', true],
  ['int4 per tensor', 'int4', false],
  ['int4 per channel', 'int4', true],
  ['binary', 'binary', true],
] as const) {
  const s = quantizeStage(initialState(base), { mode, perChannel });
  addRow(label, writeMote(encodeState(s, { biases: 'float32' })), 'post-training, no fine-tuning');
}
out.push(
  '### Low-rank and quantization (LeNet-300-100, one technique each)',
  '',
  'int4 per tensor is stored as a 16-entry codebook of affine levels with Huffman-coded 4-bit',
  'indices (the format has no int4 encoding); int4 per channel is stored as int8 restricted to',
  '16 levels (int4 accuracy at int8 size).',
  '',
  '| recipe | bytes | ratio | accuracy | notes |',
  '|---|---|---|---|---|',
  ...otherRows,
  '',
);

await writeFileAtomic(
  path.join(ROOT, 'docs/compress-plot.svg'),
  scatterSvg(points, 'Accuracy against size, by recipe (runtime, 2,000 held-out digits)'),
);
out.push('### Accuracy against size', '', '![accuracy against size](compress-plot.svg)', '');
writeBenchSection('compress', out.join('\n'));
log('wrote docs/BENCHMARKS.md (section compress) and docs/compress-plot.svg');
