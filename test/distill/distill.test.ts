// Distillation: the loss against a hand computation, teachers in TF.js and in the
// runtime agreeing, the teacher cache, and a tiny student actually learning from one.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTraining, tf } from '../../src/train/backend.js';
import { cachedTeacher, distillLoss, teacherOf, type Teacher } from '../../src/train/distill.js';
import { mlpStudent, parameterCount } from '../../src/train/student.js';
import { train } from '../../src/train/loop.js';
import { digitsSlice } from '../../src/exits/data.js';
import { loadDigits } from '../../src/data/digits.js';
import { evaluate } from '../../src/evaluate.js';
import { load, run } from '../../src/runtime/model.js';
import { writeMote } from '../../src/format/writer.js';
import type { Graph } from '../../src/ir/types.js';

function softmax(z: number[], t: number): number[] {
  const m = Math.max(...z.map((v) => v / t));
  const e = z.map((v) => Math.exp(v / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const fixed = (rows: number[][]): Teacher => ({
  engine: 'test',
  logits: () => tf.tensor2d(rows),
  dispose: () => undefined,
});

describe('distillation loss', () => {
  beforeAll(() => initTraining());

  it('is alpha·T²·KL(teacher_T ‖ student_T) + (1 − alpha)·CE(labels, student)', () => {
    const zt = [
      [2, 0.5, -1],
      [0, 3, 1],
    ];
    const zs = [
      [1, 1, 0],
      [-1, 2, 0.5],
    ];
    const y = [
      [1, 0, 0],
      [0, 0, 1],
    ];
    for (const [T, alpha] of [
      [1, 0.5],
      [4, 0.7],
      [20, 0.9],
    ]) {
      let kl = 0;
      let ce = 0;
      for (let i = 0; i < 2; i++) {
        const pt = softmax(zt[i], T);
        const ps = softmax(zs[i], T);
        kl += pt.reduce((a, p, c) => a + p * Math.log(p / ps[c]), 0) / 2;
        ce += -Math.log(softmax(zs[i], 1)[y[i].indexOf(1)]) / 2;
      }
      const want = alpha * T * T * kl + (1 - alpha) * ce;
      const got = distillLoss(fixed(zt), T, alpha)(tf.tensor2d(zs), tf.tensor2d(y), tf.zeros([2, 1]));
      expect(got.dataSync()[0]).toBeCloseTo(want, 4);
    }
    // A student that matches the teacher pays nothing for the soft term.
    const same = distillLoss(fixed(zt), 4, 1)(tf.tensor2d(zt), tf.tensor2d(y), tf.zeros([2, 1]));
    expect(same.dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('refuses a bad temperature or alpha', () => {
    expect(() => distillLoss(fixed([[0]]), 0, 0.5)).toThrow(/temperature must be > 0/);
    expect(() => distillLoss(fixed([[0]]), 2, 1.5)).toThrow(/alpha must be in \[0, 1\]/);
  });
});

describe('teachers', () => {
  beforeAll(() => initTraining());
  const data = digitsSlice(loadDigits('test'), 0, 8);

  it('give the same distribution whether TF.js or the runtime runs them', () => {
    const g = mlpStudent('784-12-10', [28, 28], 5);
    // A conv-free graph with an op the trainer lacks forces the runtime path.
    const odd: Graph = {
      ...g,
      ops: g.ops.map((o) => (o.op === 'relu' ? { op: 'sigmoid', input: o.input, output: o.output } : o)),
    };
    const x = tf.tensor(data.features, [8, 28, 28]);
    for (const graph of [g, odd]) {
      const t = teacherOf(graph);
      const p = tf.softmax(t.logits(x)).arraySync() as number[][];
      const m = load(writeMote(graph));
      expect(t.engine).toBe(graph === g ? 'tfjs' : 'runtime');
      for (let i = 0; i < 8; i++) {
        const want = run(m, data.features.subarray(i * 784, (i + 1) * 784)).outputs[0];
        for (let c = 0; c < 10; c++) expect(p[i][c]).toBeCloseTo(want[c], 5);
      }
      t.dispose();
    }
  });

  it('are asked once per distinct input when cached', () => {
    let calls = 0;
    const inner = teacherOf(mlpStudent('784-12-10', [28, 28], 5));
    const counted: Teacher = {
      ...inner,
      logits: (x) => {
        calls += x.shape[0];
        return inner.logits(x);
      },
    };
    const t = cachedTeacher(counted);
    t.prime(data, [28, 28]);
    expect(calls).toBe(8);
    const x = tf.tensor(data.features, [8, 28, 28]);
    const a = t.logits(x).arraySync();
    expect(calls).toBe(8);
    expect(a).toEqual(inner.logits(x).arraySync());
  });
});

describe('a distilled student', () => {
  beforeAll(() => initTraining());

  it('learns from the teacher alone (alpha 1: no labels) what the teacher knows', async () => {
    // Teacher: a small net trained on labels; student: 10× smaller, from soft targets only.
    const trainSet = digitsSlice(loadDigits('train'), 0, 1500);
    const test = digitsSlice(loadDigits('test'), 0, 500);
    const teacherGraph = (
      await train(mlpStudent('784-100-10', [28, 28], 1), trainSet, { epochs: 3, seed: 1 })
    ).graph;
    const student0 = mlpStudent('784-8-10', [28, 28], 2);
    expect(parameterCount(teacherGraph) / parameterCount(student0)).toBeGreaterThan(10);
    const teacher = cachedTeacher(teacherOf(teacherGraph));
    teacher.prime(trainSet, [28, 28]);
    const student = (
      await train(student0, trainSet, {
        epochs: 3,
        seed: 1,
        learningRate: 3e-3,
        loss: distillLoss(teacher, 4, 1),
      })
    ).graph;
    const acc = (g: Graph) => evaluate(load(writeMote(g)), test).accuracy;
    expect(acc(teacherGraph)).toBeGreaterThan(0.8);
    expect(acc(student)).toBeGreaterThan(0.6);
  }, 120_000);
});
