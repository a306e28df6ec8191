// Mini-batch training of an IR graph in TensorFlow.js, with the constraints compression
// needs: pruning masks that stay applied (pruned weights are zeroed after every step and
// get no gradient), and centroid fine-tuning (weights are fixed assignments into a shared
// table; a centroid moves by the summed gradients of its unpruned members).
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { checkTrainable, endsInSoftmax, forward, paramNames } from './forward.js';
import { hostAdam, type HostAdam } from './adam.js';
import type { Graph, Tensor } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import type { Clusters } from '../compress/kmeans.js';
import { decodeWeights } from '../format/decode.js';
import { shuffledIndices } from '../data/prng.js';

/**
 * A loss over a batch: `output` is the graph's output (logits when the graph ends in
 * softmax), `labels` one-hot [batch, classes], `x` the inputs (so a distillation loss can
 * run a teacher on them).
 */
export type LossFn = (output: tfTypes.Tensor, labels: tfTypes.Tensor2D, x: tfTypes.Tensor) => tfTypes.Scalar;

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Seeds the per-epoch shuffle. */
  seed?: number;
  /** L2 penalty on weight matrices (not biases). */
  l2?: number;
  /** Per weight tensor, 1 = keep, 0 = pruned: pruned weights stay exactly 0. */
  masks?: Map<string, Uint8Array>;
  /**
   * 'weights' trains every weight and bias; 'centroids' trains only the centroids of
   * `clusters` (assignments, masks and everything else fixed).
   */
  mode?: 'weights' | 'centroids';
  clusters?: Map<string, Clusters>;
  loss?: LossFn;
  /** Called after each batch with batches done, total batches and the batch loss. */
  onBatch?: (done: number, total: number, loss: number) => void;
  /**
   * Called after each epoch with its index, mean loss and a snapshot of the weights so far;
   * returning true stops training there (early stopping).
   */
  onEpoch?: (epoch: number, loss: number, weights: () => Graph) => boolean | Promise<boolean>;
}

export interface TrainResult {
  /** The graph with trained float32 weights. */
  graph: Graph;
  /** Updated centroids (mode 'centroids'). */
  clusters?: Map<string, Clusters>;
  /** Mean loss of each epoch. */
  losses: number[];
}

function floatTensor(t: Tensor): Float32Array {
  return Float32Array.from(decodeWeights(t));
}

export function defaultLoss(g: Graph): LossFn {
  if (endsInSoftmax(g)) return (logits, y) => tf.losses.softmaxCrossEntropy(y, logits) as tfTypes.Scalar;
  return (p, y) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), 1))) as tfTypes.Scalar;
}

/** Weights of a clustered tensor: centroid[assignment], 0 where masked. */
export function clusteredValues(c: Clusters, mask?: Uint8Array): Float32Array {
  return Float32Array.from(c.assignments, (a, i) => (mask && !mask[i] ? 0 : c.centroids[a]));
}

export async function train(g: Graph, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  checkTrainable(g);
  if (data.count === 0) throw new Error('mote: train: the data set is empty');
  const inputShape = g.inputs[0].shape;
  const perSample = data.features.length / data.count;
  const want = inputShape.reduce((a, b) => a * b, 1);
  if (perSample !== want)
    throw new Error(`mote: train: samples have ${perSample} features, the model's input needs ${want}`);
  const mode = opts.mode ?? 'weights';
  const batchSize = opts.batchSize ?? 64;
  const lr = opts.learningRate ?? 1e-3;
  const masks = opts.masks ?? new Map<string, Uint8Array>();
  const clusters = new Map<string, Clusters>();
  for (const [name, c] of opts.clusters ?? [])
    clusters.set(name, { centroids: Float32Array.from(c.centroids), assignments: c.assignments });
  if (mode === 'centroids' && clusters.size === 0)
    throw new Error('mote: train: centroid fine-tuning needs clustered weights');
  const lossFn = opts.loss ?? defaultLoss(g);
  const { weights, biases } = paramNames(g);
  const byName = new Map(g.tensors.map((t) => [t.name, t]));

  // Variables in IR layout, masked and clustered values applied from the start.
  const vars = new Map<string, tfTypes.Variable>();
  const maskTensors = new Map<string, tfTypes.Tensor>();
  for (const name of [...weights, ...biases]) {
    const t = byName.get(name)!;
    const mask = masks.get(name);
    const c = clusters.get(name);
    let v = c ? clusteredValues(c, mask) : floatTensor(t);
    if (mask) {
      if (mask.length !== v.length)
        throw new Error(`mote: train: mask of '${name}' has ${mask.length} entries for ${v.length} weights`);
      v = v.map((w, i) => (mask[i] ? w : 0));
      maskTensors.set(name, tf.tensor(Float32Array.from(mask), t.shape));
    }
    vars.set(name, tf.variable(tf.tensor(v, t.shape), true, `mote/${name}`));
  }
  const trainable =
    mode === 'weights' ? [...vars.values()] : [...clusters.keys()].map((name) => vars.get(name)!);
  const optimizer = mode === 'weights' ? tf.train.adam(lr) : undefined;
  const centroidAdam = new Map<string, HostAdam>();
  for (const [name, c] of clusters) centroidAdam.set(name, hostAdam(c.centroids.length, lr));

  const param = (name: string): tfTypes.Tensor => {
    const v = vars.get(name);
    if (!v) throw new Error(`mote: train: no parameter '${name}'`);
    return v;
  };
  const logits = endsInSoftmax(g);
  const losses: number[] = [];
  const snapshot = (): Graph => {
    const tensors = g.tensors.map((t): Tensor => {
      const v = vars.get(t.name);
      return v ? { ...t, encoding: { kind: 'float32', data: Float32Array.from(v.dataSync()) } } : t;
    });
    return { ...g, tensors };
  };
  const batches = Math.ceil(data.count / batchSize);
  const total = batches * opts.epochs;
  let done = 0;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = shuffledIndices(data.count, (opts.seed ?? 1) * 7919 + epoch);
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * batchSize, Math.min(data.count, (b + 1) * batchSize));
        const xs = new Float32Array(idx.length * perSample);
        const ys = new Float32Array(idx.length * data.classes);
        idx.forEach((j, i) => {
          xs.set(data.features.subarray(j * perSample, (j + 1) * perSample), i * perSample);
          ys[i * data.classes + data.labels[j]] = 1;
        });
        const x = tf.tensor(xs, [idx.length, ...inputShape]);
        const y = tf.tensor2d(ys, [idx.length, data.classes]);
        const { value, grads } = tf.variableGrads(() => {
          let l = lossFn(forward(g, param, x, logits), y, x);
          if (opts.l2 && mode === 'weights')
            for (const w of weights) l = tf.add(l, tf.mul(opts.l2 / 2, tf.sum(tf.square(param(w)))));
          return l as tfTypes.Scalar;
        }, trainable);
        sum += value.dataSync()[0];
        if (optimizer) {
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
          tf.tidy(() => {
            for (const [name, m] of maskTensors) vars.get(name)!.assign(tf.mul(vars.get(name)!, m));
          });
        } else {
          for (const [name, c] of clusters)
            await stepCentroids(name, c, grads[vars.get(name)!.name], masks.get(name));
          for (const [name, c] of clusters)
            vars.get(name)!.assign(tf.tensor(clusteredValues(c, masks.get(name)), byName.get(name)!.shape));
        }
        tf.dispose([x, y, value, ...Object.values(grads)]);
        opts.onBatch?.(++done, total, sum / (b + 1));
      }
      losses.push(sum / batches);
      if (opts.onEpoch && (await opts.onEpoch(epoch, sum / batches, snapshot))) break;
    }
    return { graph: snapshot(), clusters: mode === 'centroids' ? clusters : undefined, losses };
  } finally {
    tf.dispose([...vars.values(), ...maskTensors.values()]);
    optimizer?.dispose();
  }

  async function stepCentroids(name: string, c: Clusters, grad: tfTypes.Tensor, mask?: Uint8Array) {
    const gw = await grad.data();
    const sums = new Float64Array(c.centroids.length);
    for (let i = 0; i < gw.length; i++) if (!mask || mask[i]) sums[c.assignments[i]] += gw[i];
    centroidAdam.get(name)!.step(c.centroids, sums);
  }
}
