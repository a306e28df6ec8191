// The wasm engine where its float32 arithmetic could part from the JS kernels (found by
// the fuzzer's differential check, docs/FUZZ.md): NaN through relu, sums that overflow
// float32 but not float64, and weights too large for the load's memory limit.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { wasmAccelerator } from '../../src/wasm/accelerator.js';
import { instantiateKernels, type KernelFlavour } from '../../src/wasm/instance.js';

const FLAVOURS: KernelFlavour[] = ['simd', 'scalar'];

/** x [2] → dense [1, 2] with weights `w` → y [1]. */
function dense(w: number[]): Uint8Array {
  const g: Graph = {
    inputs: [{ name: 'x', shape: [2] }],
    outputs: ['y'],
    values: [{ name: 'y', shape: [1] }],
    tensors: [{ name: 'w', shape: [1, 2], encoding: { kind: 'float32', data: Float32Array.from(w) } }],
    ops: [{ op: 'dense', input: 'x', output: 'y', weight: 'w' }],
    metadata: { name: 'guard' },
  };
  return writeMote(g);
}

describe('wasm agrees with the JS kernels at the edges of float32', () => {
  it('relu gives 0 for NaN, as the JS kernel does', () => {
    for (const flavour of FLAVOURS) {
      const k = instantiateKernels(flavour);
      const at = k.heapBase() + 64;
      if (k.memory.buffer.byteLength < at + 64) k.memory.grow(1);
      const f = new Float32Array(k.memory.buffer, at, 8);
      f.set([NaN, -1, 2, -0, Infinity, -Infinity, 0.5, NaN]);
      k.relu(at, at, 8);
      expect(Array.from(f), flavour).toEqual([0, 0, 2, 0, Infinity, 0, 0.5, 0]);
    }
  });

  it('a sum whose float32 partial sums overflow gives the float64 result', () => {
    // 1e19·1e20 − 1e19·1e20: each product is 1e39, past float32; the exact sum is 0.
    const bytes = dense([1e19, -1e19]);
    const x = [1e20, 1e20];
    expect(Array.from(run(load(bytes), x).outputs[0])).toEqual([0]);
    for (const flavour of FLAVOURS) {
      const m = load(bytes, { accelerator: wasmAccelerator({ flavour }) });
      expect(m.fast[0], 'the dense op runs in wasm').toBeTruthy();
      expect(Array.from(run(m, x).outputs[0]), flavour).toEqual([0]);
    }
  });

  it('an op whose weights would exceed the memory limit stays on the JS kernels', () => {
    const bytes = dense([0.5, -0.25]);
    const x = [1, 2];
    const roomy = load(bytes, { memoryLimit: 1 << 20, accelerator: wasmAccelerator() });
    // Activations and the row take 16 bytes; the packed weights 16 × 2 floats and more.
    const tight = load(bytes, { memoryLimit: 64, accelerator: wasmAccelerator({ memoryLimit: 64 }) });
    expect(roomy.fast[0]).toBeTruthy();
    expect(tight.fast[0]).toBeNull();
    expect(Array.from(run(tight, x).outputs[0])).toEqual(Array.from(run(roomy, x).outputs[0]));
  });

  it('a conv whose stride is far wider than its input does not get planes of mostly padding', () => {
    // Depthwise 24×1, dilation 50 across, stride 23,090 across over 8 columns: planar
    // planes of one phase per stride column would take 1.4 GB.
    const g: Graph = {
      inputs: [{ name: 'x', shape: [14960, 8, 1] }],
      outputs: ['y'],
      values: [{ name: 'y', shape: [14938, 1, 1] }],
      tensors: [
        {
          name: 'w',
          shape: [1, 24, 1, 1],
          encoding: { kind: 'float32', data: Float32Array.from({ length: 24 }, (_, i) => i / 24 - 0.5) },
        },
      ],
      ops: [
        {
          op: 'conv2d',
          input: 'x',
          output: 'y',
          weight: 'w',
          strides: [1, 23090],
          pads: [0, 0, 1, 0],
          dilations: [1, 50],
          groups: 1,
        },
      ],
      metadata: { name: 'wide-stride' },
    };
    const bytes = writeMote(g);
    const x = Float32Array.from({ length: 14960 * 8 }, (_, i) => Math.sin(i));
    const want = run(load(bytes), x).outputs[0];
    for (const flavour of FLAVOURS) {
      const m = load(bytes, { accelerator: wasmAccelerator({ flavour }) });
      // The model's buffers are views into the wasm memory: its whole size.
      expect(m.buffers[0].buffer.byteLength, flavour).toBeLessThan(8 << 20);
      const got = run(m, x).outputs[0];
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5);
    }
  });
});
