// TensorFlow.js in Node: the WebAssembly backend (tfjs-node cannot install here), loaded
// once. Training code calls `initTraining()` before touching any tensor.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerConvFilterGradient } from './conv-grad.js';

let ready: Promise<void> | undefined;

/** Selects the single-threaded wasm backend (deterministic), falling back to 'cpu' if it fails. */
export function initTraining(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(wasmDist + path.sep);
    const ok = await tf.setBackend('wasm').catch(() => false);
    if (!ok) await tf.setBackend('cpu');
    await tf.ready();
    registerConvFilterGradient();
  })();
  return ready;
}

export { tf };
