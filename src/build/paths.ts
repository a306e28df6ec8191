// Where the package and its shipped runtime bundle live, without loading esbuild
// (the CLI reads the built bundle; only builds and tests need the bundler).
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readContainer } from '../runtime/container.js';

/** The package's root folder, found from this file whether it runs from src/ or dist/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const ROOT = packageRoot();
export const RUNTIME_BUNDLE = path.join(ROOT, 'dist/mote-runtime.min.js');

/** Third-party models and test data in the repository (each folder's SOURCE.md); not shipped. */
export const THIRDPARTY = path.join(ROOT, 'thirdparty');
/** TensorFlow Lite Micro's example models, test images and schema.fbs. */
export const TFLITE_MICRO_DIR = path.join(THIRDPARTY, 'tflite-micro');
/** ONNX's backend test cases, one folder each. */
export const ONNX_BACKEND_DIR = path.join(THIRDPARTY, 'onnx-backend');
/** The ONNX IR definition (onnx/onnx.proto). */
export const ONNX_PROTO = path.join(ONNX_BACKEND_DIR, 'onnx.proto');

/** The shipped bundle with int8 kernels (for models with int8 values: a QUAN section). */
export const RUNTIME_BUNDLE_INT8 = path.join(ROOT, 'dist/mote-runtime-int8.min.js');

/** True when .mote bytes declare int8 values (a QUAN section); a bad file is left to the runtime to report. */
export function needsInt8(model: Uint8Array): boolean {
  try {
    return readContainer(model).start.QUAN !== undefined;
  } catch {
    return false;
  }
}

/**
 * The shipped bundle as built by `npm run build` (what `mote` flashes and emulates):
 * the int8 variant when `model` needs int8 kernels.
 */
export function shippedBundle(model?: Uint8Array): string {
  const file = model && needsInt8(model) ? RUNTIME_BUNDLE_INT8 : RUNTIME_BUNDLE;
  if (!existsSync(file)) throw new Error(`mote: ${file} is missing; run 'npm run build'`);
  return readFileSync(file, 'utf8');
}
