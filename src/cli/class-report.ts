// A per-class evaluation as text: accuracy, exit use, per-class accuracy and the
// confusion matrix (rows: true class, columns: predicted).
import type { ClassEvaluation } from '../evaluate-classes.js';
import { table } from './table.js';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatClassReport(e: ClassEvaluation): string {
  const exits = e.exitRates.length > 1 ? ' with early exits' : '';
  const lines = [
    `accuracy${exits} ${pct(e.accuracy)} (${e.correct}/${e.count}), mean ${Math.round(e.meanMacs)} MACs per inference`,
  ];
  if (e.exitRates.length > 1)
    lines.push(
      `left at: ${e.exitRates.map((r, i) => `${i < e.exitRates.length - 1 ? `exit ${i}` : 'end'} ${pct(r)}`).join(', ')}`,
    );
  lines.push(
    '',
    table(
      ['class', 'samples', 'accuracy', ...e.classes.map((c) => `→${c}`)],
      e.classes.map((c, i) => [
        c,
        e.confusion[i].reduce((a, b) => a + b, 0),
        e.perClass[i] === null ? '-' : pct(e.perClass[i]!),
        ...e.confusion[i],
      ]),
    ),
  );
  return lines.join('\n');
}
