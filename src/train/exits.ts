// Early-exit heads for a trained or untrained backbone: attach small classifiers after
// chosen values (placed right after the op that computes each, as the EXIT section
// wants), and train them jointly with the backbone on a weighted sum of exit losses
// (BranchyNet), or alone on a frozen backbone.
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { checkTrainable, forwardAll, paramNames } from './forward.js';
import { glorotInit } from './init.js';
import type { ExitPoint, Graph, Op, Tensor, Value } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { decodeWeights } from '../format/decode.js';
import { shuffledIndices } from '../data/prng.js';

export interface HeadSpec {
  /** The backbone value the head reads ([H, W, C] or flat). */
  after: string;
  /** A max-pool window (and stride) before the classifier; absent: none. */
  pool?: number;
  /** Units of a dense ReLU layer before the classifier; absent: none. */
  hidden?: number;
}

/**
 * The graph with a head after each `heads[i].after`: [max-pool] → flatten → [dense →
 * ReLU] → dense → softmax, new weights Glorot-initialised from `seed`. Thresholds start
 * at 'never exit' (max probability > 1) until calibration sets them.
 */
export function attachExits(g: Graph, heads: HeadSpec[], seed: number): Graph {
  if (g.exits?.length) throw new Error('mote: exits: the graph already has exit heads');
  const shapes = new Map([...g.inputs, ...g.values].map((v) => [v.name, v.shape]));
  const classes = sizeOf(shapes.get(g.outputs[0]) ?? []);
  const byValue = new Map<string, HeadSpec[]>();
  heads.forEach((h, i) => {
    if (!shapes.has(h.after)) throw new Error(`mote: exits: head ${i}: no value named '${h.after}'`);
    if (h.after === g.outputs[0]) throw new Error(`mote: exits: head ${i} reads the model's output`);
    byValue.set(h.after, [...(byValue.get(h.after) ?? []), h]);
  });
  const ops: Op[] = [];
  const values: Value[] = [...g.values];
  const tensors: Tensor[] = [...g.tensors];
  const exits: ExitPoint[] = [];
  const headTensors = new Set<string>();
  let n = 0;
  const emit = (h: HeadSpec) => {
    const p = `exit${n++}`;
    const start = ops.length;
    let cur = h.after;
    let shape = shapes.get(cur)!;
    const add = (op: Op, s: number[]) => {
      ops.push(op);
      values.push({ name: op.output, shape: s });
      cur = op.output;
      shape = s;
    };
    if (h.pool && h.pool > 1) {
      if (shape.length !== 3)
        throw new Error(`mote: exits: head after '${h.after}' pools a value that is not [H,W,C]`);
      const k = h.pool;
      const s = [Math.floor(shape[0] / k), Math.floor(shape[1] / k), shape[2]];
      add(
        {
          op: 'maxpool',
          input: cur,
          output: `${p}.pool`,
          kernel: [k, k],
          strides: [k, k],
          pads: [0, 0, 0, 0],
          dilations: [1, 1],
        },
        s,
      );
    }
    if (shape.length !== 1)
      add({ op: 'reshape', input: cur, output: `${p}.flat`, shape: [sizeOf(shape)] }, [sizeOf(shape)]);
    const dense = (name: string, units: number) => {
      const inF = shape[0];
      tensors.push({
        name: `${name}.weight`,
        shape: [units, inF],
        encoding: { kind: 'float32', data: new Float32Array(units * inF) },
      });
      tensors.push({
        name: `${name}.bias`,
        shape: [units],
        encoding: { kind: 'float32', data: new Float32Array(units) },
      });
      headTensors.add(`${name}.weight`).add(`${name}.bias`);
      add({ op: 'dense', input: cur, output: name, weight: `${name}.weight`, bias: `${name}.bias` }, [units]);
    };
    if (h.hidden) {
      dense(`${p}.fc1`, h.hidden);
      add({ op: 'relu', input: cur, output: `${p}.fc1.relu` }, shape);
    }
    dense(`${p}.fc`, classes);
    add({ op: 'softmax', input: cur, output: `${p}.softmax` }, shape);
    exits.push({ output: cur, start, end: ops.length, criterion: 'maxprob', threshold: 2 });
  };
  for (const h of byValue.get(g.inputs[0].name) ?? []) emit(h);
  for (const op of g.ops) {
    ops.push(op);
    for (const h of byValue.get(op.output) ?? []) emit(h);
  }
  // Values in op order (inputs first), as the writer lists them.
  const order = new Map(ops.map((o, i) => [o.output, i]));
  values.sort((a, b) => (order.get(a.name) ?? -1) - (order.get(b.name) ?? -1));
  const fresh = glorotInit({ ...g, ops, values, tensors }, seed);
  const init = new Map(fresh.tensors.map((t) => [t.name, t]));
  return {
    ...g,
    ops,
    values,
    tensors: tensors.map((t) => (headTensors.has(t.name) ? init.get(t.name)! : t)),
    exits,
  };
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The tensors that exit heads read (what 'heads' mode trains). */
export function headTensorNames(g: Graph): Set<string> {
  const names = new Set<string>();
  for (const x of g.exits ?? [])
    for (const op of g.ops.slice(x.start, x.end))
      if (op.op === 'dense' || op.op === 'conv2d') {
        names.add(op.weight);
        if (op.bias) names.add(op.bias);
      }
  return names;
}

/** The logits of each exit and then of the final output: the inputs of their softmaxes. */
export function exitLogitNames(g: Graph): string[] {
  const producer = new Map(g.ops.map((o) => [o.output, o]));
  return [...(g.exits ?? []).map((x) => x.output), g.outputs[0]].map((name) => {
    const op = producer.get(name);
    if (!op || op.op !== 'softmax') throw new Error(`mote: exits: '${name}' is not computed by a softmax`);
    return op.input;
  });
}

export interface ExitTrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Loss weight of each exit and then of the final output (default: all 1). */
  weights?: number[];
  /** 'joint' (default): backbone and heads; 'heads': heads only, the backbone frozen. */
  mode?: 'joint' | 'heads';
  onEpoch?: (epoch: number, loss: number) => void;
  /** After each batch: batches done of all epochs' total, and the batch's loss (progress bars). */
  onBatch?: (done: number, total: number, loss: number) => void;
}

/** Trains a graph with exit heads on Σ weight_k · cross-entropy(exit k); returns the trained graph. */
export async function trainExits(g: Graph, data: Dataset, opts: ExitTrainOptions): Promise<Graph> {
  checkTrainable(g);
  const logitNames = exitLogitNames(g);
  const lossWeights = opts.weights ?? logitNames.map(() => 1);
  if (lossWeights.length !== logitNames.length)
    throw new Error(`mote: exits: ${logitNames.length} loss weights needed (exits, then the final output)`);
  const inputShape = g.inputs[0].shape;
  const per = sizeOf(inputShape);
  if (data.features.length !== data.count * per)
    throw new Error(`mote: exits: samples do not have the model's ${per} input values`);
  const { weights, biases } = paramNames(g);
  const heads = headTensorNames(g);
  const byName = new Map(g.tensors.map((t) => [t.name, t]));
  const vars = new Map<string, tfTypes.Variable>();
  for (const name of [...weights, ...biases]) {
    const t = byName.get(name)!;
    vars.set(
      name,
      tf.variable(tf.tensor(Float32Array.from(decodeWeights(t)), t.shape), true, `mote/exit/${name}`),
    );
  }
  const trainable = [...vars.entries()]
    .filter(([n]) => opts.mode !== 'heads' || heads.has(n))
    .map(([, v]) => v);
  const optimizer = tf.train.adam(opts.learningRate ?? 1e-3);
  const param = (name: string): tfTypes.Tensor => vars.get(name)!;
  const batch = opts.batchSize ?? 64;
  const batches = Math.ceil(data.count / batch);
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = shuffledIndices(data.count, (opts.seed ?? 1) * 7919 + epoch);
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * batch, Math.min(data.count, (b + 1) * batch));
        const xs = new Float32Array(idx.length * per);
        const ys = new Float32Array(idx.length * data.classes);
        idx.forEach((j, i) => {
          xs.set(data.features.subarray(j * per, (j + 1) * per), i * per);
          ys[i * data.classes + data.labels[j]] = 1;
        });
        const x = tf.tensor(xs, [idx.length, ...inputShape]);
        const y = tf.tensor2d(ys, [idx.length, data.classes]);
        const { value, grads } = tf.variableGrads(() => {
          const all = forwardAll(g, param, x);
          let loss = tf.scalar(0);
          logitNames.forEach((name, k) => {
            if (lossWeights[k])
              loss = tf.add(loss, tf.mul(lossWeights[k], tf.losses.softmaxCrossEntropy(y, all.get(name)!)));
          });
          return loss as tfTypes.Scalar;
        }, trainable);
        const loss = value.dataSync()[0];
        sum += loss;
        opts.onBatch?.(epoch * batches + b + 1, opts.epochs * batches, loss);
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        tf.dispose([x, y, value, ...Object.values(grads)]);
      }
      opts.onEpoch?.(epoch, sum / batches);
    }
    // 'heads' mode keeps the frozen backbone's tensors as they were (compressed ones too).
    const trained = (name: string) => opts.mode !== 'heads' || heads.has(name);
    const tensors = g.tensors.map((t): Tensor => {
      const v = vars.get(t.name);
      return v && trained(t.name)
        ? { ...t, encoding: { kind: 'float32', data: v.dataSync() as Float32Array } }
        : t;
    });
    return { ...g, tensors };
  } finally {
    tf.dispose([...vars.values()]);
    optimizer.dispose();
  }
}
