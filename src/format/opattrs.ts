// An IR op's attributes in GRPH order (the op's registration, runtime/op/*.ts), and back: the one
// place that maps IR field names to the file's attribute layout.
import type { Op, Pads2d } from '../ir/types.js';

export interface OpAttrs {
  /** T attributes: tensor names, undefined = none. */
  tensors: (string | undefined)[];
  /** i and f attributes, in order. */
  nums: number[];
  /** The L attribute. */
  list: number[];
}

const NONE: [number, number] = [-Infinity, Infinity];
const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

export function attrsOf(op: Op): OpAttrs {
  const a: OpAttrs = { tensors: [], nums: [], list: [] };
  switch (op.op) {
    case 'dense':
      a.tensors = [op.weight, op.bias];
      break;
    case 'conv2d':
      a.tensors = [op.weight, op.bias];
      a.nums = [...op.strides, ...op.pads, ...op.dilations, op.groups, ...(op.clip ?? NONE)];
      break;
    case 'maxpool':
    case 'avgpool':
      a.nums = [...op.kernel, ...op.strides, ...op.pads, ...op.dilations, op.countIncludePad ? 1 : 0];
      break;
    case 'add':
    case 'mul':
      a.tensors = [op.constant];
      break;
    case 'concat':
      a.nums = [op.axis];
      break;
    case 'pad':
      a.nums = [op.value, PAD_MODES.indexOf(op.mode ?? 'constant')];
      a.list = op.begins;
      break;
    case 'transpose':
      a.list = op.perm;
      break;
    case 'leakyrelu':
    case 'elu':
      a.nums = [op.alpha];
      break;
    case 'selu':
      a.nums = [op.alpha, op.gamma];
      break;
    case 'clip':
      a.nums = [op.min, op.max];
      break;
    case 'prelu':
      a.tensors = [op.slope];
      break;
    case 'reducemean':
      a.list = op.axes;
      break;
  }
  return a;
}

function pair(a: number, b: number): [number, number] {
  return [a, b];
}

/** Rebuilds the IR op of kind `kind` from its attributes (as attrsOf wrote them). */
export function opFromAttrs(
  kind: Op['op'],
  inputs: string[],
  output: string,
  a: OpAttrs,
  outShape: number[],
): Op {
  const input = inputs[0];
  const n = a.nums;
  const t = a.tensors;
  switch (kind) {
    case 'dense':
      return { op: kind, input, output, weight: t[0]!, ...(t[1] !== undefined ? { bias: t[1] } : {}) };
    case 'conv2d': {
      const op: Op = {
        op: kind,
        input,
        output,
        weight: t[0]!,
        strides: pair(n[0], n[1]),
        pads: [n[2], n[3], n[4], n[5]] as Pads2d,
        dilations: pair(n[6], n[7]),
        groups: n[8],
      };
      if (t[1] !== undefined) op.bias = t[1];
      if (n[9] !== -Infinity || n[10] !== Infinity) op.clip = pair(n[9], n[10]);
      return op;
    }
    case 'maxpool':
    case 'avgpool': {
      const op: Op = {
        op: kind,
        input,
        output,
        kernel: pair(n[0], n[1]),
        strides: pair(n[2], n[3]),
        pads: [n[4], n[5], n[6], n[7]] as Pads2d,
        dilations: pair(n[8], n[9]),
      };
      if (n[10]) op.countIncludePad = true;
      return op;
    }
    case 'add':
    case 'mul':
      return {
        op: kind,
        input,
        output,
        ...(t[0] !== undefined ? { constant: t[0] } : { other: inputs[1] }),
      };
    case 'concat':
      return { op: kind, input, others: inputs.slice(1), output, axis: n[0] };
    case 'pad':
      return {
        op: kind,
        input,
        output,
        begins: a.list,
        value: n[0],
        ...(n[1] ? { mode: PAD_MODES[n[1]] } : {}),
      };
    case 'transpose':
      return { op: kind, input, output, perm: a.list };
    case 'leakyrelu':
    case 'elu':
      return { op: kind, input, output, alpha: n[0] };
    case 'selu':
      return { op: kind, input, output, alpha: n[0], gamma: n[1] };
    case 'clip':
      return { op: kind, input, output, min: n[0], max: n[1] };
    case 'prelu':
      return { op: kind, input, output, slope: t[0]! };
    case 'reducemean':
      return { op: kind, input, output, axes: a.list };
    case 'reshape':
      return { op: kind, input, output, shape: outShape };
    case 'matmul':
      return { op: kind, input, other: inputs[1], output };
    default:
      return { op: kind, input, output };
  }
}
