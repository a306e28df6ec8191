// A fresh classifier from a short text spec, shaped for a data set: `mlp`, `conv1d`,
// `conv2d` (presets), or layers such as `dense:64,relu,dense:32,relu` or
// `conv1d:8x5,relu,maxpool:2,dense:16`. A final dense layer to the classes and a softmax
// are added. conv1d runs over time: a window [T, C] is the image [T, 1, C], so it is
// the runtime's conv2d with a [k, 1] kernel, and every target that runs conv2d runs it.
import type { Graph, Op, Tensor, Value } from '../ir/types.js';
import { glorotInit } from './init.js';
import { parseArch } from './arch-spec.js';

/** The classifier for samples of `featureShape` into `classes`, Glorot-initialised from `seed`. */
export function buildClassifier(spec: string, featureShape: number[], classes: number, seed: number): Graph {
  const layers = parseArch(spec);
  const convKind = layers.find((l) => l.kind === 'conv1d' || l.kind === 'conv2d')?.kind;
  if (layers.some((l) => (l.kind === 'conv1d' || l.kind === 'conv2d') && l.kind !== convKind))
    throw new Error(`mote: --arch '${spec}': mixes conv1d and conv2d`);
  const size = featureShape.reduce((a, b) => a * b, 1);
  let inputShape = featureShape;
  if (convKind === 'conv1d')
    inputShape = featureShape.length === 1 ? [size, 1, 1] : [featureShape[0], 1, size / featureShape[0]];
  else if (convKind === 'conv2d') {
    if (featureShape.length < 2)
      throw new Error(
        `mote: --arch '${spec}': conv2d needs images [H, W] or [H, W, C]; samples are [${featureShape}]`,
      );
    inputShape = featureShape.length === 2 ? [...featureShape, 1] : featureShape;
  }
  const ops: Op[] = [];
  const values: Value[] = [];
  const tensors: Tensor[] = [];
  let cur = 'input';
  let shape = inputShape;
  const add = (op: Op, s: number[]) => {
    ops.push(op);
    values.push({ name: op.output, shape: s });
    cur = op.output;
    shape = s;
  };
  const param = (name: string, s: number[]) =>
    tensors.push({
      name,
      shape: s,
      encoding: { kind: 'float32', data: new Float32Array(s.reduce((a, b) => a * b, 1)) },
    });
  const dense = (name: string, units: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length !== 1) add({ op: 'reshape', input: cur, output: `${name}.flatten`, shape: [n] }, [n]);
    param(`${name}.weight`, [units, n]);
    param(`${name}.bias`, [units]);
    add({ op: 'dense', input: cur, output: name, weight: `${name}.weight`, bias: `${name}.bias` }, [units]);
  };
  layers.forEach((l, i) => {
    const name = `${l.kind}${i}`;
    switch (l.kind) {
      case 'dense':
        return dense(name, l.units);
      case 'relu':
        return add({ op: 'relu', input: cur, output: name }, shape);
      case 'conv1d':
      case 'conv2d': {
        if (shape.length !== 3) throw new Error(`mote: --arch '${spec}': ${l.kind} after a dense layer`);
        const [h, w, c] = shape;
        const kw = l.kind === 'conv1d' ? 1 : l.kernel;
        if (h < l.kernel || w < kw)
          throw new Error(
            `mote: --arch '${spec}': layer ${i + 1} (${l.kind}) has a kernel of ${l.kernel} over an input of [${shape}]`,
          );
        param(`${name}.weight`, [l.filters, l.kernel, kw, c]);
        param(`${name}.bias`, [l.filters]);
        return add(
          {
            op: 'conv2d',
            input: cur,
            output: name,
            weight: `${name}.weight`,
            bias: `${name}.bias`,
            strides: [1, 1],
            pads: [0, 0, 0, 0],
            dilations: [1, 1],
            groups: 1,
          },
          [h - l.kernel + 1, w - kw + 1, l.filters],
        );
      }
      case 'maxpool':
      case 'avgpool': {
        if (shape.length !== 3)
          throw new Error(`mote: --arch '${spec}': ${l.kind} needs a convolution before it`);
        const [h, w, c] = shape;
        const pw = convKind === 'conv1d' ? 1 : l.size;
        if (h < l.size || w < pw)
          throw new Error(
            `mote: --arch '${spec}': layer ${i + 1} (${l.kind}:${l.size}) over an input of [${shape}]`,
          );
        return add(
          {
            op: l.kind,
            input: cur,
            output: name,
            kernel: [l.size, pw],
            strides: [l.size, pw],
            pads: [0, 0, 0, 0],
            dilations: [1, 1],
          },
          [Math.floor(h / l.size), Math.floor(w / pw), c],
        );
      }
    }
  });
  dense('classes', classes);
  add({ op: 'softmax', input: cur, output: 'probabilities' }, [classes]);
  const g: Graph = {
    inputs: [{ name: 'input', shape: inputShape }],
    outputs: [cur],
    values,
    tensors,
    ops,
    metadata: { name: `mote-train-${spec}` },
  };
  return glorotInit(g, seed);
}
