// How close an imported ONNX model, run by mote, comes to reference outputs (from
// onnxruntime-web) on the same inputs: shared by the parity tests and bench:onnx.
import type { Model } from '../runtime/model.js';
import type { OnnxBoundary } from '../import/onnx/import.js';
import { runBatched } from '../import/onnx/batch.js';

const argmax = (a: Float32Array): number => a.indexOf(Math.max(...a));

/** Over inputs `xs` (one tensor each): the largest |Δ| of the first output, and how many top-1s agree. */
export function agreement(
  model: Model,
  boundary: { inputs: OnnxBoundary[]; outputs: OnnxBoundary[] },
  xs: Float32Array[],
  want: Float32Array[],
): { maxAbs: number; agree: number } {
  let maxAbs = 0;
  let agree = 0;
  xs.forEach((x, i) => {
    const got = runBatched(model, boundary, [x])[0];
    for (let k = 0; k < got.length; k++) maxAbs = Math.max(maxAbs, Math.abs(got[k] - want[i][k]));
    if (argmax(got) === argmax(want[i])) agree++;
  });
  return { maxAbs, agree };
}
