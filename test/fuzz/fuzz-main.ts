// `npm run fuzz -- [cases] [seed]`: fuzzes the reader and runtime with mutated .mote
// files (byte-level and structure-aware mutators), runs every accepted file with both
// plans on both engines and compares them, and prints a table per mutator. Exits 1 on
// any crash, hang (a case over 1 s), non-finite output accepted or disagreement,
// printing a replay command per failure. `npm run fuzz -- --case N [seed]` replays one.
import { cpus } from 'node:os';
import { buildCorpus } from './corpus.js';
import { campaign } from './campaign.js';
import {
  flavourOf,
  makeCase,
  MAX_MACS,
  MUTATORS,
  runCaseDetailed,
  TALLY_KEYS,
  hex,
  type Summary,
  type Tally,
} from './mutate.js';

const DEFAULT_CASES = 100000;
const DEFAULT_SEED = 1;
const HANG_MS = 1000;

function usage(): never {
  console.error(
    `usage: tsx test/fuzz/fuzz-main.ts [cases=${DEFAULT_CASES}] [seed=${DEFAULT_SEED}]\n` +
      `       tsx test/fuzz/fuzz-main.ts --case N [seed=${DEFAULT_SEED}]`,
  );
  process.exit(2);
}

function intArg(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) usage();
  return n;
}

const HEADS = ['cases', 'ok', 'rejected', 'crash', 'hang', 'non-finite', 'disagree'];

function row(name: string, t: Tally): string {
  return `| ${name} | ${TALLY_KEYS.map((k) => t[k]).join(' | ')} |`;
}

/** The table, as Markdown (docs/FUZZ.md records it as printed). */
export function table(s: Summary): string {
  const lines = [`| mutator | ${HEADS.join(' | ')} |`, `|---|${HEADS.map(() => '---:').join('|')}|`];
  for (const m of MUTATORS) lines.push(row(m, s.byMutator[m]));
  lines.push(row('(raw)', s.byVariant.raw), row('(fixed-up)', s.byVariant.fixed), row('**total**', s));
  return lines.join('\n');
}

function replay(index: number, seed: number): number {
  const c = makeCase(buildCorpus(), seed, index);
  const r = runCaseDetailed(c.bytes, flavourOf(index));
  console.log(
    `case ${index} seed ${seed}: ${c.mutator}/${c.variant} on ${c.source} (${c.detail}), wasm ${flavourOf(index)}`,
  );
  console.log(`input (${c.bytes.length} bytes): ${hex(c.bytes)}`);
  console.log(`${r.ms.toFixed(2)} ms, messages:\n  ${r.messages.join('\n  ') || '(none)'}`);
  let bad = false;
  if (typeof r.outcome === 'object') {
    console.log(`CRASH: ${r.outcome.crash}`);
    bad = true;
  } else console.log(`outcome: ${r.outcome}`);
  if (r.nonFinite) console.log(`NON-FINITE OUTPUT ACCEPTED: ${r.nonFinite}`);
  if (r.disagree) console.log(`DISAGREEMENT: ${r.disagree}`);
  if (r.ms > HANG_MS) console.log(`HANG: ${r.ms.toFixed(0)} ms (over ${HANG_MS} ms)`);
  return bad || r.nonFinite || r.disagree || r.ms > HANG_MS ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--case') return replay(intArg(argv[1], -1), intArg(argv[2], DEFAULT_SEED));
  if (argv[0] === '-h' || argv[0] === '--help') usage();
  const cases = intArg(argv[0], DEFAULT_CASES);
  const seed = intArg(argv[1], DEFAULT_SEED);
  const corpus = buildCorpus();
  console.log(
    `corpus: ${corpus.length} files (${corpus.map((f) => `${f.name} ${f.bytes.length} B`).join(', ')})`,
  );
  console.log(
    `fuzzing ${cases} cases, seed ${seed}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  );
  const s = await campaign({
    cases,
    seed,
    keepFailures: 10,
    hangMs: HANG_MS,
    onProgress: (done, p) =>
      process.stderr.write(
        `  ${done}/${cases}: ok ${p.ok}, rejected ${p.rejected}, crash ${p.crash}, hang ${p.hang}, ` +
          `non-finite ${p.nonFinite}, disagree ${p.disagree}\n`,
      ),
  });
  console.log('\n' + table(s));
  console.log(
    `\n${s.cases} cases in ${(s.elapsedMs / 1000).toFixed(1)} s (${Math.round((s.cases / s.elapsedMs) * 1000)} cases/s); ` +
      `slowest case ${s.slowest.ms.toFixed(1)} ms (case ${s.slowest.index}, ${s.slowest.mutator}/${s.slowest.variant}: ${s.slowest.detail})`,
  );
  console.log(
    `${s.workBound} cases refused by the work bound (maxMacs ${MAX_MACS}); ${s.overflow} whose run was refused for a NaN or infinite output`,
  );
  if (s.unchecked) console.log(`${s.unchecked} ops too large to bound were not compared between engines`);
  if (s.unlocated) {
    console.log(
      `${s.unlocated} rejections do not say 'at byte N', e.g.:\n  ${s.unlocatedExamples.join('\n  ')}`,
    );
  }
  const failed = s.crash + s.hang + s.nonFinite + s.disagree;
  if (!failed) {
    console.log('no crashes, hangs, non-finite outputs accepted or disagreements');
    return 0;
  }
  console.log(`\nFAILURES, by signature:`);
  for (const [sig, n] of Object.entries(s.signatures).sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(6)}  ${sig}`);
  for (const f of s.failures) {
    console.log(
      `\n${f.kind.toUpperCase()} case ${f.index} seed ${f.seed}: ${f.mutator}/${f.variant} on ${f.source} (${f.detail})\n` +
        `replay: npm run fuzz -- --case ${f.index} ${f.seed}\n${f.what}\ninput (${f.hex.length / 2} bytes): ${f.hex.slice(0, 2048)}${f.hex.length > 2048 ? '…' : ''}`,
    );
  }
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
