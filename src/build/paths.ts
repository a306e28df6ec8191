// Where the package and its shipped runtime bundle live, without loading esbuild
// (the CLI reads the built bundle; only builds and tests need the bundler).
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The package's root folder, found from this file whether it runs from src/ or dist/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const ROOT = packageRoot();
export const RUNTIME_BUNDLE = path.join(ROOT, 'dist/mote-runtime.min.js');

/** The shipped bundle as built by `npm run build` (what `mote` flashes and emulates). */
export function shippedBundle(): string {
  if (!existsSync(RUNTIME_BUNDLE)) throw new Error(`mote: ${RUNTIME_BUNDLE} is missing; run 'npm run build'`);
  return readFileSync(RUNTIME_BUNDLE, 'utf8');
}
