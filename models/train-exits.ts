// Trains the early-exit conv models on the digits and writes models/<name>/<name>.mote
// with calibrated thresholds, plus a README of what the runtime measures on it:
//   lenet-5-exits: LeNet-5 (Caffe's variant, as in models/train-lenet.ts) with one exit
//     head after the first conv block (BranchyNet's B-LeNet has its branch there too);
//   deep-exits: a deeper, thinner conv net (4 conv layers) with exits after blocks 1 and 2.
//
//   npx tsx models/train-exits.ts lenet-5-exits|deep-exits [epochs]
//
// Data: the first 7,000 training digits train, the last 1,000 calibrate the thresholds
// (target: at most 0.25 points below running to the end on them), the 2,000 test digits
// measure. Deterministic: seeded initialisers and shuffles, single-threaded wasm.
import * as path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as tfTypes from '@tensorflow/tfjs';
import { initTraining, tf } from '../src/train/backend.js';
import { graphFromLayersModel } from '../src/train/layers.js';
import { attachExits, trainExits, type HeadSpec } from '../src/train/exits.js';
import { calibrate, profileExits, withThresholds } from '../src/exits/calibrate.js';
import { measureExits } from '../src/exits/measure.js';
import { digitsSlice } from '../src/exits/data.js';
import { loadDigits } from '../src/data/digits.js';
import { writeMote } from '../src/format/writer.js';
import { load } from '../src/runtime/model.js';
import { writeFileAtomic } from '../src/io/atomic.js';

const SEED = 20161001;
const MAX_LOSS_ON_CALIBRATION = 0.0025;
const here = path.dirname(fileURLToPath(import.meta.url));

interface Spec {
  description: string;
  build: () => tfTypes.Sequential;
  heads: HeadSpec[];
  /** Loss weight per exit, then the final output (BranchyNet weighs the early exit higher). */
  weights: number[];
  epochs: number;
}

function conv(name: string, filters: number, kernelSize: number, seed: number, inputShape?: number[]) {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize,
    activation: 'relu',
    ...(inputShape ? { inputShape } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  });
}

function dense(name: string, units: number, activation: 'relu' | 'softmax', seed: number) {
  return tf.layers.dense({
    name,
    units,
    activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  });
}

const pool = (name: string) => tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2 });

const SPECS: Record<string, Spec> = {
  'lenet-5-exits': {
    description:
      'LeNet-5 (conv 5×5×20, max-pool 2, conv 5×5×50, max-pool 2, dense 800→500→10; 431,080 parameters) ' +
      'with one exit after the first pool: max-pool 2 → dense 720→32 (ReLU) → dense 32→10',
    build: () => {
      const m = tf.sequential({ name: 'lenet-5-exits' });
      m.add(conv('conv1', 20, 5, SEED + 11, [28, 28, 1]));
      m.add(pool('pool1'));
      m.add(conv('conv2', 50, 5, SEED + 12));
      m.add(pool('pool2'));
      m.add(tf.layers.flatten({ name: 'flatten' }));
      m.add(dense('fc1', 500, 'relu', SEED + 13));
      m.add(dense('fc2', 10, 'softmax', SEED + 14));
      return m;
    },
    heads: [{ after: 'pool1', pool: 2, hidden: 32 }],
    weights: [1, 0.5],
    epochs: 6,
  },
  'deep-exits': {
    description:
      'conv 3×3×8, conv 3×3×16, max-pool 2, conv 3×3×32, conv 3×3×32, max-pool 2, dense 512→64→10 ' +
      '(48,618 backbone parameters) with exits after conv 1 (max-pool 2 → dense 1352→10) and after ' +
      'the first pool (max-pool 2 → dense 576→32 (ReLU) → dense 32→10)',
    build: () => {
      const m = tf.sequential({ name: 'deep-exits' });
      m.add(conv('conv1', 8, 3, SEED + 21, [28, 28, 1]));
      m.add(conv('conv2', 16, 3, SEED + 22));
      m.add(pool('pool1'));
      m.add(conv('conv3', 32, 3, SEED + 23));
      m.add(conv('conv4', 32, 3, SEED + 24));
      m.add(pool('pool2'));
      m.add(tf.layers.flatten({ name: 'flatten' }));
      m.add(dense('fc1', 64, 'relu', SEED + 25));
      m.add(dense('fc2', 10, 'softmax', SEED + 26));
      return m;
    },
    heads: [
      { after: 'conv1.relu', pool: 2 },
      { after: 'pool1', pool: 2, hidden: 32 },
    ],
    weights: [1, 1, 0.5],
    epochs: 8,
  },
};

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const spec = SPECS[name];
  if (!spec) throw new Error(`usage: train-exits.ts ${Object.keys(SPECS).join('|')} [epochs]`);
  const epochs = process.argv[3] ? Number(process.argv[3]) : spec.epochs;
  await initTraining();
  const all = loadDigits('train');
  const train = digitsSlice(all, 0, 7000);
  const held = digitsSlice(all, 7000, 8000);
  const test = digitsSlice(loadDigits('test'), 0, 2000);
  const backbone = graphFromLayersModel(spec.build(), name);
  let g = attachExits(backbone, spec.heads, SEED + 99);
  const t0 = Date.now();
  g = await trainExits(g, train, {
    epochs,
    weights: spec.weights,
    seed: SEED,
    onEpoch: (e, loss) =>
      console.log(
        `epoch ${e + 1}/${epochs}  loss ${loss.toFixed(4)}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      ),
  });
  const profile = profileExits(load(writeMote(g)), held, 'maxprob');
  const cal = calibrate(profile, 'maxprob', MAX_LOSS_ON_CALIBRATION);
  console.log(
    `calibration (1,000 held-out digits): thresholds ${cal.thresholds.map((t) => t.toFixed(4)).join(', ')}; ` +
      `accuracy ${pct(cal.accuracy)} vs ${pct(cal.fullAccuracy)} to the end; mean MACs ${cal.meanMacs.toFixed(0)} vs ${cal.fullMacs}`,
  );
  g = withThresholds(g, cal);
  g.metadata = {
    ...g.metadata,
    name,
    description: spec.description,
    extra: { tool: 'models/train-exits.ts', epochs: String(epochs), lossWeights: spec.weights.join(',') },
  };
  const bytes = writeMote(g);
  const dir = path.join(here, name);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, `${name}.mote`), bytes);
  const r = measureExits(load(bytes), test);
  console.log(
    `test: accuracy ${pct(r.exits.accuracy)} with exits, ${pct(r.full.accuracy)} to the end; ` +
      `mean MACs ${r.exits.meanMacs.toFixed(0)} vs ${r.full.meanMacs} (${(r.full.meanMacs / r.exits.meanMacs).toFixed(2)}× fewer); ` +
      `exit distribution ${r.exits.distribution.map(pct).join(' / ')}`,
  );
  const readme = `# ${name}

An early-exit model for the dynamic-depth scheduler (\`mote.runExits\`).

- Architecture: ${spec.description}.
- Training: joint (BranchyNet): loss = ${spec.weights.map((w, i) => `${w}·CE(${i < spec.heads.length ? `exit ${i}` : 'final'})`).join(' + ')},
  Adam 1e-3, batch 64, ${epochs} epochs on the first 7,000 training digits (TensorFlow.js ${tf.version.tfjs}, wasm).
- Thresholds (max softmax probability) calibrated on the other 1,000 training digits for at most
  ${MAX_LOSS_ON_CALIBRATION * 100} points of accuracy below running to the end: ${cal.thresholds.map((t) => t.toFixed(4)).join(', ')}.
- Measured by the runtime on the 2,000 test digits (\`runExits\`, confidence mode, vs mode 'exit' to the end):

| | accuracy | mean MACs | exits taken (${spec.heads.map((_, i) => `exit ${i}`).join(' / ')} / end) |
|---|---|---|---|
| with exits | ${pct(r.exits.accuracy)} | ${Math.round(r.exits.meanMacs).toLocaleString('en-US')} | ${r.exits.distribution.map(pct).join(' / ')} |
| to the end | ${pct(r.full.accuracy)} | ${r.full.meanMacs.toLocaleString('en-US')} | |

  ${(r.full.meanMacs / r.exits.meanMacs).toFixed(2)}× fewer MACs on average; accuracy ${((r.exits.accuracy - r.full.accuracy) * 100).toFixed(2)} points.

File: \`${name}.mote\` (float32 weights, EXIT section). Made by:

    npx tsx models/train-exits.ts ${name}
`;
  await writeFileAtomic(path.join(dir, 'README.md'), readme);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
