// Generic views of an op: its value inputs and the tensors it reads, whatever its kind.
import type { Op } from './types.js';

/** Every value the op reads, in order. */
export function opInputs(op: Op): string[] {
  if (op.op === 'concat') return [op.input, ...op.others];
  if ((op.op === 'add' || op.op === 'mul') && op.other !== undefined) return [op.input, op.other];
  if (op.op === 'matmul') return [op.input, op.other];
  return [op.input];
}

/** Every constant tensor the op reads (weights, biases, slopes, constant operands). */
export function opTensors(op: Op): string[] {
  switch (op.op) {
    case 'dense':
    case 'conv2d':
      return op.bias === undefined ? [op.weight] : [op.weight, op.bias];
    case 'prelu':
      return [op.slope];
    case 'add':
    case 'mul':
      return op.constant === undefined ? [] : [op.constant];
    default:
      return [];
  }
}

/** The tensor the op streams a row at a time (dense and conv weights), if any. */
export function opWeight(op: Op): string | undefined {
  return op.op === 'dense' || op.op === 'conv2d' ? op.weight : undefined;
}
