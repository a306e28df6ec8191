// Runs an imported ONNX model on ONNX-shaped tensors: batched inputs are split into
// samples (mote runs one at a time), and the outputs are stacked back, so callers can
// compare with the original model's outputs directly.
import { run, type Model } from '../../runtime/model.js';
import type { OnnxBoundary } from './import.js';

/** `inputs[i]` holds the whole tensor of boundary `inputs[i]` (batch included), row-major. */
export function runBatched(
  model: Model,
  boundary: { inputs: OnnxBoundary[]; outputs: OnnxBoundary[] },
  inputs: Float32Array[],
): Float32Array[] {
  const batch = boundary.inputs.find((b) => b.batched)?.shape[0] ?? 1;
  const per = (b: OnnxBoundary) => b.shape.reduce((a, d) => a * d, 1) / (b.batched ? b.shape[0] : 1);
  const outs = boundary.outputs.map((b) => new Float32Array(per(b) * (b.batched ? batch : 1)));
  for (let s = 0; s < batch; s++) {
    const xs = boundary.inputs.map((b, i) => {
      const n = per(b);
      if (inputs[i].length !== n * (b.batched ? batch : 1))
        throw new Error(
          `mote: input '${b.onnxName}' needs ${n * (b.batched ? batch : 1)} values, got ${inputs[i].length}`,
        );
      return b.batched ? inputs[i].subarray(s * n, (s + 1) * n) : inputs[i];
    });
    const r = run(model, xs);
    boundary.outputs.forEach((b, k) => {
      if (b.batched || s === 0) outs[k].set(r.outputs[k], b.batched ? s * per(b) : 0);
    });
  }
  return outs;
}
