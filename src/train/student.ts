// A student network from a short spec: "784-32-10" is Dense 784→32 (ReLU) → Dense 32→10
// (softmax), Glorot-initialised from a seed, input shaped as the teacher's.
import type { Graph, Op, Tensor, Value } from '../ir/types.js';
import { glorotInit } from './init.js';

export function mlpStudent(spec: string, inputShape: number[], seed: number): Graph {
  const sizes = spec.split('-').map(Number);
  if (sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`mote: student '${spec}': expected layer sizes like 784-32-10`);
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (sizes[0] !== inputSize)
    throw new Error(`mote: student '${spec}': the input has ${inputSize} values, not ${sizes[0]}`);
  const ops: Op[] = [];
  const values: Value[] = [];
  const tensors: Tensor[] = [];
  let cur = 'input';
  const add = (op: Op, shape: number[]) => {
    ops.push(op);
    values.push({ name: op.output, shape });
    cur = op.output;
  };
  if (inputShape.length !== 1)
    add({ op: 'reshape', input: cur, output: 'flatten', shape: [inputSize] }, [inputSize]);
  for (let l = 1; l < sizes.length; l++) {
    const name = `fc${l}`;
    const [m, n] = [sizes[l], sizes[l - 1]];
    tensors.push({
      name: `${name}.weight`,
      shape: [m, n],
      encoding: { kind: 'float32', data: new Float32Array(m * n) },
    });
    tensors.push({
      name: `${name}.bias`,
      shape: [m],
      encoding: { kind: 'float32', data: new Float32Array(m) },
    });
    add({ op: 'dense', input: cur, output: name, weight: `${name}.weight`, bias: `${name}.bias` }, [m]);
    const act = l === sizes.length - 1 ? 'softmax' : 'relu';
    add({ op: act, input: cur, output: `${name}.${act}` }, [m]);
  }
  const g: Graph = {
    inputs: [{ name: 'input', shape: inputShape }],
    outputs: [cur],
    values,
    tensors,
    ops,
    metadata: { name: `student-${spec}` },
  };
  return glorotInit(g, seed);
}

/** Weights and biases of a graph: its parameter count. */
export function parameterCount(g: Graph): number {
  return g.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
}
