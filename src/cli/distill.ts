// `mote distill`: train a small student on the training digits from a teacher's softened
// outputs mixed with the labels; with --compare, also the same student from labels alone.
import { initTraining } from '../train/backend.js';
import { cachedTeacher, distillLoss, loadAnyGraph, teacherOf } from '../train/distill.js';
import { mlpStudent, parameterCount } from '../train/student.js';
import { train } from '../train/loop.js';
import { progressBars, type Progress } from './progress.js';
import { loadDigits } from '../data/digits.js';
import { evaluate } from '../evaluate.js';
import { load } from '../runtime/model.js';
import { writeMote } from '../format/writer.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Graph } from '../ir/types.js';
import { UsageError } from './usage.js';

export interface DistillArgs {
  teacher: string;
  student: string;
  temperature: number;
  alpha: number;
  epochs: number;
  compare: boolean;
  output?: string;
  seed?: number;
  /** A bar per training run (distilled, and from labels with --compare). */
  progress?: Progress;
}

export interface DistillReport {
  teacher: { source: string; parameters: number; accuracy: number; engine: string };
  student: { spec: string; parameters: number };
  temperature: number;
  alpha: number;
  epochs: number;
  fromTeacher: number;
  fromLabels?: number;
}

const accuracyOf = (g: Graph) => evaluate(load(writeMote(g)), loadDigits('test')).accuracy;

export async function distill(a: DistillArgs): Promise<{ report: DistillReport; student: Graph }> {
  await initTraining();
  const teacherGraph = await loadAnyGraph(a.teacher);
  const shape = teacherGraph.inputs[0].shape;
  const seed = a.seed ?? 1;
  const fresh = async () =>
    /^\d+(-\d+)+$/.test(a.student) ? mlpStudent(a.student, shape, seed) : loadAnyGraph(a.student);
  const data = loadDigits('train');
  const teacher = cachedTeacher(teacherOf(teacherGraph));
  try {
    teacher.prime(data, shape);
    const opts = { epochs: a.epochs, seed, batchSize: 64, learningRate: 1e-3 };
    const distilled = (
      await train(await fresh(), data, {
        ...opts,
        loss: distillLoss(teacher, a.temperature, a.alpha),
        onBatch: a.progress?.start('distilling'),
      })
    ).graph;
    a.progress?.stop();
    const report: DistillReport = {
      teacher: {
        source: a.teacher,
        parameters: parameterCount(teacherGraph),
        accuracy: accuracyOf(teacherGraph),
        engine: teacher.engine,
      },
      student: { spec: a.student, parameters: parameterCount(distilled) },
      temperature: a.temperature,
      alpha: a.alpha,
      epochs: a.epochs,
      fromTeacher: accuracyOf(distilled),
    };
    if (a.compare)
      report.fromLabels = accuracyOf(
        (await train(await fresh(), data, { ...opts, onBatch: a.progress?.start('from labels') })).graph,
      );
    a.progress?.stop();
    return { report, student: distilled };
  } finally {
    teacher.dispose();
  }
}

export async function distillCommand(a: DistillArgs, json: boolean): Promise<string> {
  if (!(a.temperature > 0)) throw new UsageError(`--T must be a number > 0`);
  if (!(a.alpha >= 0 && a.alpha <= 1)) throw new UsageError(`--alpha must be in [0, 1]`);
  if (!(Number.isInteger(a.epochs) && a.epochs > 0))
    throw new UsageError(`--epochs must be a positive integer`);
  const { report, student } = await distill({ ...a, progress: a.progress ?? progressBars(!json) });
  if (a.output) await writeFileAtomic(a.output, writeMote(student));
  if (json) return JSON.stringify(report, null, 2);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const r = report;
  return [
    `teacher ${r.teacher.source}: ${r.teacher.parameters} parameters, ${pct(r.teacher.accuracy)} (run in ${r.teacher.engine})`,
    `student ${r.student.spec}: ${r.student.parameters} parameters (${(r.teacher.parameters / r.student.parameters).toFixed(1)}× smaller)`,
    `from the teacher (T ${r.temperature}, alpha ${r.alpha}, ${r.epochs} epochs): ${pct(r.fromTeacher)} on the 2,000 test digits`,
    ...(r.fromLabels !== undefined
      ? [`from the labels alone (same data, epochs, seed): ${pct(r.fromLabels)}`]
      : []),
    ...(a.output ? [`wrote ${a.output}`] : []),
  ].join('\n');
}
