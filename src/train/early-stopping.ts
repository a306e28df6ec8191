// Training a fresh classifier with a held-out validation split: after every epoch the
// validation loss and accuracy are measured; training stops when the loss has not
// improved for `patience` epochs, and the weights of the best epoch are the result.
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { train, defaultLoss } from './loop.js';
import { endsInSoftmax, forward } from './forward.js';
import { datasetTensors } from './digits-tensors.js';
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { decodeWeights } from '../format/decode.js';

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Without a validation split: the training loss (early stopping then watches that). */
  valLoss: number;
  valAccuracy: number;
}

export interface EarlyStoppingOptions {
  epochs: number;
  patience: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  onBatch?: (done: number, total: number, loss: number) => void;
  onEpoch?: (r: EpochRecord) => void;
}

export interface EarlyStoppingResult {
  graph: Graph;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Loss and accuracy of a graph on a data set, by TF.js, in batches of 512. */
export function measureGraph(g: Graph, data: Dataset): { loss: number; accuracy: number } {
  const params = new Map(g.tensors.map((t) => [t.name, tf.tensor(decodeWeights(t), t.shape)]));
  const param = (name: string) => params.get(name)!;
  const lossFn = defaultLoss(g);
  const logits = endsInSoftmax(g);
  const per = data.features.length / data.count;
  let loss = 0;
  let right = 0;
  try {
    for (let s = 0; s < data.count; s += 512) {
      const n = Math.min(512, data.count - s);
      const part: Dataset = {
        ...data,
        features: data.features.subarray(s * per, (s + n) * per),
        labels: data.labels.subarray(s, s + n),
        count: n,
      };
      tf.tidy(() => {
        const { x, y } = datasetTensors(part, g.inputs[0].shape);
        const out = forward(g, param, x, logits);
        loss += (lossFn(out, y, x) as tfTypes.Scalar).dataSync()[0] * n;
        const guess = out.argMax(1).dataSync();
        for (let i = 0; i < n; i++) if (guess[i] === part.labels[i]) right++;
      });
    }
  } finally {
    tf.dispose([...params.values()]);
  }
  return { loss: loss / data.count, accuracy: right / data.count };
}

export async function trainWithEarlyStopping(
  g: Graph,
  trainSet: Dataset,
  valSet: Dataset,
  o: EarlyStoppingOptions,
): Promise<EarlyStoppingResult> {
  const history: EpochRecord[] = [];
  let best: { graph: Graph; loss: number; epoch: number } | undefined;
  const result = await train(g, trainSet, {
    epochs: o.epochs,
    seed: o.seed,
    batchSize: o.batchSize ?? 32,
    learningRate: o.learningRate ?? 2e-3,
    onBatch: o.onBatch,
    onEpoch: (epoch, loss, weights) => {
      const graph = weights();
      const v = valSet.count ? measureGraph(graph, valSet) : { loss, accuracy: NaN };
      const r = { epoch: epoch + 1, loss, valLoss: v.loss, valAccuracy: v.accuracy };
      history.push(r);
      o.onEpoch?.(r);
      // Improvement: lower by a hair more than rounding noise.
      if (!best || v.loss < best.loss - 1e-6) best = { graph, loss: v.loss, epoch: epoch + 1 };
      return epoch + 1 - best.epoch >= o.patience;
    },
  });
  const stoppedEarly = history.length < o.epochs;
  return {
    graph: best?.graph ?? result.graph,
    history,
    bestEpoch: best?.epoch ?? history.length,
    stoppedEarly,
  };
}
