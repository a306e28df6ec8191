// The runtime bundle exactly as it ships (src/build/runtime.ts), built once per test process.
import { bundleRuntime } from '../../src/build/runtime.js';

let cached: Promise<string> | undefined;

export function runtimeBundle(): Promise<string> {
  return (cached ??= bundleRuntime(true));
}

let cachedInt8: Promise<string> | undefined;

/** The runtime bundle with int8 kernels (dist/mote-runtime-int8.min.js), for int8 models. */
export function runtimeBundleInt8(): Promise<string> {
  return (cachedInt8 ??= bundleRuntime(true, true));
}
