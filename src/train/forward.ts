// Runs an IR graph in TensorFlow.js, batched, over tensors that hold its weights in the
// IR's own layout (dense weight [out, in]). Used for training (the weights are tf
// variables) and as the TF.js reference that the runtime's outputs are compared with.
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import type { Graph, Op } from '../ir/types.js';

const TRAINABLE_OPS = ['dense', 'relu', 'softmax', 'reshape', 'conv2d', 'maxpool', 'avgpool', 'clip'];

export type ParamLookup = (tensorName: string) => tfTypes.Tensor;

/** The weight and bias tensors the graph's ops read: the trainable parameters. */
export function paramNames(g: Graph): { weights: string[]; biases: string[] } {
  const weights: string[] = [];
  const biases: string[] = [];
  for (const op of g.ops) {
    if (op.op === 'dense' || op.op === 'conv2d') {
      weights.push(op.weight);
      if (op.bias !== undefined) biases.push(op.bias);
    }
  }
  return { weights, biases };
}

/** Fails, naming the op, on an op this trainer cannot run. */
export function checkTrainable(g: Graph): void {
  if (g.inputs.length !== 1 || g.outputs.length !== 1)
    throw new Error(`mote: train: the graph must have one input and one output`);
  g.ops.forEach((op: Op, i) => {
    const at = `mote: train: op ${i} ('${op.op}' → '${op.output}')`;
    if (!TRAINABLE_OPS.includes(op.op)) throw new Error(`${at} is not supported by the trainer`);
    if (op.op === 'conv2d' && (op.groups !== 1 || op.dilations.some((d) => d !== 1)))
      throw new Error(`${at}: only plain convolutions (groups 1, dilation 1) are trainable`);
    if (
      (op.op === 'maxpool' || op.op === 'avgpool') &&
      (op.pads.some((p) => p) || op.dilations.some((d) => d !== 1))
    )
      throw new Error(`${at}: only unpadded, undilated pooling is trainable`);
  });
}

/**
 * The graph's output for a batch `x` [batch, ...inputShape]. With `logits`, a final
 * softmax is left out, so the loss can use the numerically stable fused form.
 */
export function forward(g: Graph, param: ParamLookup, x: tfTypes.Tensor, logits = false): tfTypes.Tensor {
  return forwardAll(g, param, x, logits).get(g.outputs[0])!;
}

/** Every value the graph computes for the batch `x`, by name (the input included). */
export function forwardAll(
  g: Graph,
  param: ParamLookup,
  x: tfTypes.Tensor,
  logits = false,
): Map<string, tfTypes.Tensor> {
  const values = new Map<string, tfTypes.Tensor>([[g.inputs[0].name, x]]);
  const shapes = new Map(g.values.map((v) => [v.name, v.shape]));
  const batch = x.shape[0];
  g.ops.forEach((op, i) => {
    if (!('input' in op))
      throw new Error(
        `mote: train: op ${i} ('${(op as { op: string }).op}') is not supported by the trainer`,
      );
    const a = values.get(op.input);
    if (!a) throw new Error(`mote: train: op ${i} reads '${op.input}', which is not computed`);
    let y: tfTypes.Tensor;
    switch (op.op) {
      case 'dense': {
        const flat = a.reshape([batch, -1]) as tfTypes.Tensor2D;
        y = tf.matMul(flat, param(op.weight) as tfTypes.Tensor2D, false, true);
        if (op.bias !== undefined) y = tf.add(y, param(op.bias));
        break;
      }
      case 'conv2d': {
        const [top, left, bottom, right] = op.pads;
        const padded =
          top || left || bottom || right
            ? tf.pad(a, [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ])
            : a;
        // IR weight [outC, kH, kW, inC] → TF filter [kH, kW, inC, outC].
        const filter = tf.transpose(param(op.weight), [1, 2, 3, 0]) as tfTypes.Tensor4D;
        y = tf.conv2d(padded as tfTypes.Tensor4D, filter, op.strides, 'valid');
        if (op.bias !== undefined) y = tf.add(y, param(op.bias));
        if (op.clip)
          y = op.clip[0] === 0 && op.clip[1] === Infinity ? tf.relu(y) : tf.clipByValue(y, ...op.clip);
        break;
      }
      case 'maxpool':
        y = tf.maxPool(a as tfTypes.Tensor4D, op.kernel, op.strides, 'valid');
        break;
      case 'avgpool':
        y = tf.avgPool(a as tfTypes.Tensor4D, op.kernel, op.strides, 'valid');
        break;
      case 'clip':
        y = tf.clipByValue(a, op.min, op.max);
        break;
      case 'relu':
        y = tf.relu(a);
        break;
      case 'softmax':
        y = logits && i === g.ops.length - 1 ? a : tf.softmax(a);
        break;
      case 'reshape':
        y = a.reshape([batch, ...(shapes.get(op.output) ?? op.shape)]);
        break;
      default:
        throw new Error(
          `mote: train: op ${i} ('${(op as { op: string }).op}') is not supported by the trainer`,
        );
    }
    values.set(op.output, y);
  });
  return values;
}

/** Whether the graph ends in a softmax (then `forward(..., true)` returns logits). */
export function endsInSoftmax(g: Graph): boolean {
  const last = g.ops[g.ops.length - 1];
  return !!last && last.op === 'softmax' && last.output === g.outputs[0];
}
