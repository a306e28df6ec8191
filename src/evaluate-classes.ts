// Per-class evaluation of a loaded model through the runtime (the code that runs on the
// device): accuracy, the confusion matrix, per-class accuracy, and for models with early
// exits how often each exit was taken and the mean MACs spent.
import type { Dataset } from './data/digits.js';
import type { Model } from './runtime/model.js';
import { runExits } from './runtime/schedule.js';
// The host reads every op: register all kernels (a device bundle holds only its model's).
import './runtime/op/all.js';

export interface ClassEvaluation {
  count: number;
  correct: number;
  accuracy: number;
  /** Class names (the model's labels, else the indices as text). */
  classes: string[];
  /** confusion[true][predicted]: how many samples of each class went where. */
  confusion: number[][];
  /** Correct / samples of each class (null for a class with no samples). */
  perClass: (number | null)[];
  /** Mean MACs per inference (below the model's full count when exits stop early). */
  meanMacs: number;
  /** Fraction of inputs leaving at each exit head, the end last ([1] without exits). */
  exitRates: number[];
  msPerInference: number;
}

export function evaluateClasses(
  m: Model,
  data: Dataset,
  names?: string[],
  onProgress?: (done: number, total: number) => void,
): ClassEvaluation {
  const outputs = m.graph.values[m.graph.outputs[0]].size;
  const k = Math.max(outputs, data.classes);
  const classes = [...Array(k).keys()].map((i) => names?.[i] ?? String(i));
  const confusion = classes.map(() => new Array<number>(k).fill(0));
  const exits = new Array<number>(m.exits.length + 1).fill(0);
  const per = data.features.length / data.count;
  let macs = 0;
  let correct = 0;
  const t0 = performance.now();
  for (let i = 0; i < data.count; i++) {
    const r = runExits(m, data.features.subarray(i * per, (i + 1) * per));
    confusion[data.labels[i]][r.label]++;
    if (r.label === data.labels[i]) correct++;
    exits[r.exit]++;
    macs += r.macs;
    if (onProgress && ((i + 1) % 100 === 0 || i + 1 === data.count)) onProgress(i + 1, data.count);
  }
  const ms = performance.now() - t0;
  const n = data.count || 1;
  return {
    count: data.count,
    correct,
    accuracy: correct / n,
    classes,
    confusion,
    perClass: confusion.map((row, c) => {
      const total = row.reduce((a, b) => a + b, 0);
      return total ? row[c] / total : null;
    }),
    meanMacs: macs / n,
    exitRates: exits.map((e) => e / n),
    msPerInference: ms / n,
  };
}
