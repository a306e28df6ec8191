// The runtime bundle exactly as it ships (src/build/runtime.ts), built once per test process.
import { bundleRuntime } from '../../src/build/runtime.js';

let cached: Promise<string> | undefined;

export function runtimeBundle(): Promise<string> {
  return (cached ??= bundleRuntime(true));
}
