// Which optional packages (TensorFlow.js, onnxruntime, mnist, ...) a module reaches by
// static imports alone: those load when the module does, so the CLI's start-up and the
// commands that need no training must reach none of them (a light install, README).
import { build, type Metafile } from 'esbuild';
import * as path from 'node:path';
import { ROOT } from './paths.js';

/** The packages a light install leaves out (package.json's optionalDependencies). */
export const HEAVY_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-tflite',
  'mnist',
  'onnxruntime-web',
  'onnxruntime-node',
];

/** The module graph of `entry` (relative to the repository) as esbuild resolves it, packages left external. */
export async function moduleGraph(entry: string): Promise<Metafile> {
  const r = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    outdir: path.join(ROOT, 'dist/.graph'),
    logLevel: 'silent',
  });
  return r.metafile;
}

/**
 * Each heavy package `entry` reaches through static imports, with the chain of modules that
 * leads there (entry first). Dynamic import() edges load on demand: followed only when
 * `followDynamic` (what a command loads when it runs).
 */
export async function heavyImports(
  entry: string,
  followDynamic = false,
): Promise<{ pkg: string; chain: string[] }[]> {
  const meta = await moduleGraph(entry);
  const start = path.relative(process.cwd(), path.join(ROOT, entry)).split(path.sep).join('/');
  const found = new Map<string, string[]>();
  const seen = new Set<string>([start]);
  const queue: string[][] = [[start]];
  while (queue.length) {
    const chain = queue.shift()!;
    const mod = meta.inputs[chain[chain.length - 1]];
    if (!mod) continue;
    for (const imp of mod.imports) {
      const stat = imp.kind === 'import-statement' || imp.kind === 'require-call';
      if (!stat && !(followDynamic && imp.kind === 'dynamic-import')) continue;
      if (imp.external) {
        const pkg = HEAVY_PACKAGES.find((p) => imp.path === p || imp.path.startsWith(p + '/'));
        if (pkg && !found.has(pkg)) found.set(pkg, [...chain, imp.path]);
        continue;
      }
      if (seen.has(imp.path)) continue;
      seen.add(imp.path);
      queue.push([...chain, imp.path]);
    }
  }
  return [...found].map(([pkg, chain]) => ({ pkg, chain }));
}
