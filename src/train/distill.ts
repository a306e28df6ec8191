// Knowledge distillation (Hinton, Vinyals, Dean 2015): the student's loss mixes
//   alpha · T² · KL(softmax(z_teacher / T) ‖ softmax(z_student / T))
// with (1 − alpha) · cross-entropy(labels, softmax(z_student)). The T² keeps the soft
// term's gradients on the scale of the hard one as T changes. A teacher is any model
// the toolchain loads: run in TF.js when the trainer knows its ops, else in the runtime.
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { checkTrainable, endsInSoftmax, forward, paramNames } from './forward.js';
import type { LossFn } from './loop.js';
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { decodeWeights } from '../format/decode.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';
import { run } from '../runtime/model.js';
import { loadGraph } from '../compile.js';
import { graphFromLayersModel, loadLayersModelFile } from './layers.js';

/** A distillation run's results.json (models/distill-digits.ts writes it, bench:exit reads it). */
export interface DistillResults {
  teacher: { source: string; parameters: number; accuracy: number };
  student: { spec: string; parameters: number };
  epochs: number;
  alpha: number;
  fromLabels: number;
  fromTeacher: { temperature: number; accuracy: number }[];
}

/**
 * A teacher or student as a graph: whatever loadGraph reads, and TF.js Layers models with
 * conv layers, which the trainer's importer (layers.ts) reads when the compiler's cannot.
 */
export async function loadAnyGraph(source: string): Promise<Graph> {
  try {
    return await loadGraph(source);
  } catch (e) {
    if (!source.endsWith('.json')) throw e;
    return graphFromLayersModel(await loadLayersModelFile(source), source);
  }
}

export interface Teacher {
  /** 'tfjs' or 'runtime': where the teacher runs. */
  engine: string;
  /** Logits (or log-probabilities: softmax gives the same distribution) for a batch, [n, classes]. */
  logits(x: tfTypes.Tensor): tfTypes.Tensor2D;
  dispose(): void;
}

/** A teacher over an IR graph: TF.js if trainable ops only, else the mote runtime per sample. */
export function teacherOf(g: Graph): Teacher {
  let trainable = true;
  try {
    checkTrainable(g);
  } catch {
    trainable = false;
  }
  if (trainable) {
    const { weights, biases } = paramNames(g);
    const byName = new Map(g.tensors.map((t) => [t.name, t]));
    const consts = new Map(
      [...weights, ...biases].map((n) => {
        const t = byName.get(n)!;
        return [n, tf.tensor(Float32Array.from(decodeWeights(t)), t.shape)] as const;
      }),
    );
    const softmaxOut = endsInSoftmax(g);
    return {
      engine: 'tfjs',
      logits: (x) =>
        tf.tidy(() => {
          const y = forward(
            g,
            (n) => consts.get(n)!,
            x.reshape([x.shape[0], ...g.inputs[0].shape]),
            softmaxOut,
          );
          return (softmaxOut ? y : tf.log(tf.add(y, 1e-12))).reshape([x.shape[0], -1]) as tfTypes.Tensor2D;
        }),
      dispose: () => tf.dispose([...consts.values()]),
    };
  }
  const m = load(writeMote(g));
  return {
    engine: 'runtime',
    logits: (x) => {
      const n = x.shape[0];
      const xs = x.dataSync() as Float32Array;
      const per = xs.length / n;
      const rows: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = run(m, xs.subarray(i * per, (i + 1) * per)).outputs[0];
        for (const v of p) rows.push(Math.log(v + 1e-12));
      }
      return tf.tensor2d(rows, [n, rows.length / n]);
    },
    dispose: () => undefined,
  };
}

/**
 * The teacher with its outputs remembered per input (keyed by the input's bytes), so
 * epochs after the first, and a `prime`d data set, cost no teacher inference.
 */
export function cachedTeacher(t: Teacher): Teacher & { prime(data: Dataset, shape: number[]): void } {
  const cache = new Map<string, Float32Array>();
  const key = (xs: Float32Array, i: number, per: number) =>
    Buffer.from(xs.buffer, xs.byteOffset + i * per * 4, per * 4).toString('base64');
  const logits = (x: tfTypes.Tensor): tfTypes.Tensor2D => {
    const n = x.shape[0];
    const xs = x.dataSync() as Float32Array;
    const per = xs.length / n;
    const keys = Array.from({ length: n }, (_, i) => key(xs, i, per));
    if (!keys.every((k) => cache.has(k))) {
      const z = t.logits(x);
      const zs = z.dataSync() as Float32Array;
      const c = zs.length / n;
      z.dispose();
      keys.forEach((k, i) => cache.set(k, zs.slice(i * c, (i + 1) * c)));
    }
    const c = cache.get(keys[0])!.length;
    const out = new Float32Array(n * c);
    keys.forEach((k, i) => out.set(cache.get(k)!, i * c));
    return tf.tensor2d(out, [n, c]);
  };
  return {
    engine: t.engine,
    logits,
    dispose: () => t.dispose(),
    prime(data, shape) {
      const per = data.features.length / data.count;
      for (let i = 0; i < data.count; i += 256) {
        const n = Math.min(256, data.count - i);
        const x = tf.tensor(data.features.slice(i * per, (i + n) * per), [n, ...shape]);
        logits(x).dispose();
        x.dispose();
      }
    },
  };
}

/** The distillation loss for train() (loop.ts); the student must end in softmax. */
export function distillLoss(teacher: Teacher, temperature: number, alpha: number): LossFn {
  if (!(temperature > 0)) throw new Error(`mote: distill: temperature must be > 0, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`mote: distill: alpha must be in [0, 1], got ${alpha}`);
  return (studentLogits, labels, x) => {
    const zs = studentLogits as tfTypes.Tensor2D;
    const zt = teacher.logits(x);
    const pt = tf.softmax(tf.div(zt, temperature));
    const logPs = tf.logSoftmax(tf.div(zs, temperature));
    const logPt = tf.logSoftmax(tf.div(zt, temperature));
    const kl = tf.mean(tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), 1));
    const soft = tf.mul(alpha * temperature * temperature, kl);
    if (alpha === 1) return soft as tfTypes.Scalar;
    const hard = tf.mul(1 - alpha, tf.losses.softmaxCrossEntropy(labels, zs));
    return tf.add(soft, hard) as tfTypes.Scalar;
  };
}
