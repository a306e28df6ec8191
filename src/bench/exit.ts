// npm run bench:exit — early exits and distillation on the digits, written to the
// 'exit' section of docs/BENCHMARKS.md. Every figure is measured here by the runtime on
// the 2,000 test digits from the committed models (models/train-exits.ts and
// models/distill-digits.ts made them), except the published figures quoted beside.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../build/paths.js';
import { loadDigits } from '../data/digits.js';
import { load } from '../runtime/model.js';
import { runExits } from '../runtime/schedule.js';
import { measureExits } from '../exits/measure.js';
import { evaluate } from '../evaluate.js';
import type { DistillResults } from '../train/distill.js';
import { provenance, writeBenchSection } from './report.js';

const COMMAND = 'npm run bench:exit';
const EXIT_MODELS = ['lenet-5-exits', 'deep-exits'];
/** Budget mode runs on the first 500 test digits (each run's MACs are fixed by the budget). */
const BUDGET_DIGITS = 500;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');

function exitSection(): string {
  const test = loadDigits('test');
  const rows: string[] = [];
  const budgets: string[] = [];
  for (const name of EXIT_MODELS) {
    const m = load(readFileSync(path.join(ROOT, 'models', name, `${name}.mote`)));
    const r = measureExits(m, test, true);
    const thresholds = m.exits.map((x) => x.threshold.toFixed(3)).join(', ');
    rows.push(
      `| ${name} | to the end | ${pct(r.full.accuracy)} | ${int(r.full.meanMacs)} | ${r.full.ms!.toFixed(3)} | | |`,
      `| ${name} | with exits (max prob ≥ ${thresholds}) | ${pct(r.exits.accuracy)} | ${int(r.exits.meanMacs)} | ${r.exits.ms!.toFixed(3)} | ${(r.full.meanMacs / r.exits.meanMacs).toFixed(2)}× MACs, ${(r.full.ms! / r.exits.ms!).toFixed(2)}× time | ${r.exits.distribution.map(pct).join(' / ')} |`,
    );
    // Budget mode: each exit's own cost as the budget, and the whole model's.
    for (const b of [...m.exits.map((x) => x.macs), m.exits[0].full]) {
      let right = 0;
      let worst = 0;
      let exit = -1;
      for (let i = 0; i < BUDGET_DIGITS; i++) {
        const o = runExits(m, test.features.subarray(i * 784, (i + 1) * 784), { mode: 'budget', budget: b });
        if (o.label === test.labels[i]) right++;
        worst = Math.max(worst, o.macs);
        exit = o.exit;
      }
      budgets.push(
        `| ${name} | ${int(b)} | ${exit === m.exits.length ? 'end' : `exit ${exit}`} | ${int(worst)} | ${pct(right / BUDGET_DIGITS)} |`,
      );
    }
  }
  return `### Early exits (dynamic depth)

Measured by the runtime in Node (\`runExits\`, plan 'stream', float32 weights) on the 2,000
test digits; "to the end" runs the same .mote with every head skipped (mode 'exit' past the
last head). Thresholds were calibrated on 1,000 held-out training digits (models/train-exits.ts).
Exits taken: fraction of inputs leaving at each exit, the end last.

| model | run | accuracy | mean MACs | mean ms | saving | exits taken |
|---|---|---|---|---|---|---|
${rows.join('\n')}
| B-LeNet (BranchyNet, published) | to the end / with exits | 99.20% / 99.25% | | 3.37 / 0.62 (CPU) | 5.4× time | 94.3% at the first branch (entropy < 0.025) |

Budget mode on the first ${BUDGET_DIGITS} test digits (deepest exit whose MACs fit; the most any input spent never exceeds the budget):

| model | budget (MACs) | runs to | most MACs spent | accuracy |
|---|---|---|---|---|
${budgets.join('\n')}
`;
}

const STUDENTS = [
  { dir: 'distilled-student', what: 'Dense 784→32→10', args: '' },
  {
    dir: 'distilled-student-conv',
    what: 'conv 5×5×6 → pool → conv 5×5×12 → pool → Dense 192→10',
    args: ' conv',
  },
];

function distillSection(): string {
  const test = loadDigits('test');
  const parts = STUDENTS.map(({ dir: name, what, args }) => {
    const dir = path.join(ROOT, 'models', name);
    const r = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as DistillResults;
    const again = (file: string) => evaluate(load(readFileSync(path.join(dir, file))), test).accuracy;
    const best = r.fromTeacher.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    return `Student ${what} (${int(r.student.parameters)} parameters; the teacher is ${(r.teacher.parameters / r.student.parameters).toFixed(1)}× larger),
${r.epochs} epochs, alpha ${r.alpha}: \`npx tsx models/distill-digits.ts ${r.epochs}${args}\` (models/${name}/results.json);
this bench re-runs the two committed students: from labels ${pct(again('from-labels.mote'))}, distilled (T = ${best.temperature}) ${pct(again('distilled.mote'))}.

| student | accuracy | errors /2,000 |
|---|---|---|
| from labels | ${pct(r.fromLabels)} | ${Math.round((1 - r.fromLabels) * 2000)} |
${r.fromTeacher.map((t) => `| from the teacher, T = ${t.temperature} | ${pct(t.accuracy)} | ${Math.round((1 - t.accuracy) * 2000)} |`).join('\n')}
`;
  });
  const t = (
    JSON.parse(
      readFileSync(path.join(ROOT, 'models', STUDENTS[0].dir, 'results.json'), 'utf8'),
    ) as DistillResults
  ).teacher;
  return `### Knowledge distillation

Teacher \`${t.source}\` (LeNet-5, ${int(t.parameters)} parameters, ${pct(t.accuracy)}). Every student: the same 8,000 training
digits, epochs, seed and optimiser, from labels or from the teacher; accuracy on the 2,000 test digits (runtime).
Published beside (Hinton et al. 2015, MNIST, 10,000 test digits): teacher 2×1200: 67 errors; student 2×800 from
labels: 146; from soft targets (T = 20): 74. Here distillation does not win: see models/distilled-student/README.md.

${parts.join('\n')}`;
}

function main(): void {
  const md = `## Early exits and distillation

${provenance(COMMAND)}

${exitSection()}
${distillSection()}`;
  writeBenchSection('exit', md);
  console.log(md);
}

main();
