// `npm run fuzz -- [cases] [seed]`: fuzzes the reader and runtime with mutated .mote
// files and prints a summary; exits 1 on any crash, printing each failing input as hex
// with its seed and case index. `npm run fuzz -- --case N [seed]` replays one case.
import { buildCorpus } from './corpus.js';
import { fuzz, hex, makeCase, MUTATORS, runCaseDetailed, type Summary, type Tally } from './mutate.js';

function usage(): never {
  console.error(
    'usage: tsx test/fuzz/fuzz-main.ts [cases=50000] [seed=1]\n       tsx test/fuzz/fuzz-main.ts --case N [seed=1]',
  );
  process.exit(2);
}

function intArg(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) usage();
  return n;
}

function row(name: string, t: Tally): string {
  const cells = [t.cases, t.ok, t.rejected, t.crash].map((n) => String(n).padStart(9));
  return `${name.padEnd(10)}${cells.join('')}`;
}

function table(s: Summary): string {
  const lines = [
    `${''.padEnd(10)}${['cases', 'ok', 'rejected', 'crash'].map((h) => h.padStart(9)).join('')}`,
  ];
  for (const m of MUTATORS) lines.push(row(m, s.byMutator[m]));
  lines.push(row('raw', s.byVariant.raw), row('fixed-up', s.byVariant.fixed), row('total', s));
  return lines.join('\n');
}

function replay(index: number, seed: number): number {
  const c = makeCase(buildCorpus(), seed, index);
  const r = runCaseDetailed(c.bytes);
  console.log(`case ${index} seed ${seed}: ${c.mutator}/${c.variant} on ${c.source} (${c.detail})`);
  console.log(`input (${c.bytes.length} bytes): ${hex(c.bytes)}`);
  console.log(`${r.ms.toFixed(2)} ms, messages:\n  ${r.messages.join('\n  ') || '(none)'}`);
  if (typeof r.outcome === 'object') {
    console.log(`CRASH: ${r.outcome.crash}`);
    return 1;
  }
  console.log(`outcome: ${r.outcome}`);
  return 0;
}

function main(argv: string[]): number {
  if (argv[0] === '--case') return replay(intArg(argv[1], -1), intArg(argv[2], 1));
  if (argv[0] === '-h' || argv[0] === '--help') usage();
  const cases = intArg(argv[0], 50000);
  const seed = intArg(argv[1], 1);
  const corpus = buildCorpus();
  console.log(
    `corpus: ${corpus.length} files (${corpus.map((f) => `${f.name} ${f.bytes.length} B`).join(', ')})`,
  );
  console.log(`fuzzing ${cases} cases, seed ${seed}`);
  const s = fuzz(corpus, {
    cases,
    seed,
    keepCrashes: 10,
    onProgress: (done, p) =>
      process.stderr.write(`  ${done}/${cases}: ok ${p.ok}, rejected ${p.rejected}, crash ${p.crash}\n`),
  });
  console.log('\n' + table(s));
  console.log(
    `\n${s.cases} cases in ${(s.elapsedMs / 1000).toFixed(2)} s (${Math.round((s.cases / s.elapsedMs) * 1000)} cases/s); ` +
      `slowest case ${s.slowest.ms.toFixed(2)} ms (case ${s.slowest.index}, ${s.slowest.mutator}/${s.slowest.variant}: ${s.slowest.detail})`,
  );
  if (s.unlocated) {
    console.log(
      `${s.unlocated} rejections do not say 'at byte N', e.g.:\n  ${s.unlocatedExamples.join('\n  ')}`,
    );
  }
  if (!s.crash) {
    console.log('no crashes');
    return 0;
  }
  console.log(`\n${s.crash} CRASHES, by signature:`);
  for (const [sig, n] of Object.entries(s.signatures)) console.log(`  ${String(n).padStart(6)}  ${sig}`);
  for (const c of s.crashes) {
    console.log(
      `\ncase ${c.index} seed ${c.seed}: ${c.mutator}/${c.variant} on ${c.source} (${c.detail})\n` +
        `replay: npm run fuzz -- --case ${c.index} ${c.seed}\n${c.crash}\ninput (${c.hex.length / 2} bytes): ${c.hex}`,
    );
  }
  return 1;
}

process.exitCode = main(process.argv.slice(2));
