// How `npm run build` bundles the library and the CLI (shared with the test that checks
// the built CLI's entry loads no optional package).
import type { BuildOptions } from 'esbuild';
import * as path from 'node:path';
import { ROOT } from './paths.js';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
} as const;

export const LIBRARY_BUILD: BuildOptions = {
  ...common,
  entryPoints: [path.join(ROOT, 'src/index.ts')],
  outfile: path.join(ROOT, 'dist/index.js'),
};

/**
 * Split: what a command imports on demand (TensorFlow.js for training, the device bridge)
 * stays in its own chunk, so starting the CLI loads none of it; one file would hoist those
 * packages' imports to its top and need them installed for every command.
 */
export const CLI_BUILD: BuildOptions = {
  ...common,
  entryPoints: { cli: path.join(ROOT, 'src/cli/bin.ts') },
  outdir: path.join(ROOT, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
};
