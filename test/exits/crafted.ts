// A hand-made graph with two exit heads whose confidence is set by the input alone:
//   x[4] → dense I (h1) → [head 0: dense picks 10·x0..x2, softmax] → relu (h2)
//        → [head 1: dense picks 10·x1..x3, softmax] → dense picks x0..x2 → softmax.
// x = [5,0,0,0] is sure at exit 0; [0,0,0,5] only at exit 1; [0.01,0,0,0] at neither.
import type { Graph, Tensor } from '../../src/ir/types.js';

function pick(cols: number[], scale: number): Float32Array {
  const w = new Float32Array(3 * 4);
  cols.forEach((c, r) => (w[r * 4 + c] = scale));
  return w;
}

const t = (name: string, shape: number[], data: Float32Array): Tensor => ({
  name,
  shape,
  encoding: { kind: 'float32', data },
});

export function craftedExits(thresholds: [number, number] = [0.9, 0.9]): Graph {
  const eye = new Float32Array(16);
  for (let i = 0; i < 4; i++) eye[i * 5] = 1;
  return {
    inputs: [{ name: 'x', shape: [4] }],
    outputs: ['out'],
    values: [
      { name: 'h1', shape: [4] },
      { name: 'e0.logits', shape: [3] },
      { name: 'e0', shape: [3] },
      { name: 'h2', shape: [4] },
      { name: 'e1.logits', shape: [3] },
      { name: 'e1', shape: [3] },
      { name: 'logits', shape: [3] },
      { name: 'out', shape: [3] },
    ],
    tensors: [
      t('eye', [4, 4], eye),
      t('head0', [3, 4], pick([0, 1, 2], 10)),
      t('head1', [3, 4], pick([1, 2, 3], 10)),
      t('final', [3, 4], pick([0, 1, 2], 1)),
    ],
    ops: [
      { op: 'dense', input: 'x', output: 'h1', weight: 'eye' },
      { op: 'dense', input: 'h1', output: 'e0.logits', weight: 'head0' },
      { op: 'softmax', input: 'e0.logits', output: 'e0' },
      { op: 'relu', input: 'h1', output: 'h2' },
      { op: 'dense', input: 'h2', output: 'e1.logits', weight: 'head1' },
      { op: 'softmax', input: 'e1.logits', output: 'e1' },
      { op: 'dense', input: 'h2', output: 'logits', weight: 'final' },
      { op: 'softmax', input: 'logits', output: 'out' },
    ],
    metadata: { name: 'crafted-exits' },
    exits: [
      { output: 'e0', start: 1, end: 3, criterion: 'maxprob', threshold: thresholds[0] },
      { output: 'e1', start: 4, end: 6, criterion: 'maxprob', threshold: thresholds[1] },
    ],
  };
}

/** MACs: each dense 4×4 or 3×4; backbone 16 + 12 = 28, exit 0 16 + 12 = 28, exit 1 16 + 12 = 28. */
export const CRAFTED_MACS = { backbone: 28, exit0: 28, exit1: 28, all: 52 };
