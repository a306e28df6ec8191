import { beforeAll, describe, expect, it } from 'vitest';
import { writeMote } from '../../src/format/writer.js';
import type { Encoding, Graph } from '../../src/ir/types.js';
import { mulberry32 } from '../../src/data/prng.js';
import { getTarget } from '../../targets/index.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { runInNode } from '../../targets/engines/node.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { runtimeFor } from '../../src/build/model-bundle.js';

const bangle = getTarget('banglejs2');

/** Dense in→hidden relu → hidden→out softmax, weights from a seeded PRNG. */
function mlp(inN: number, hidden: number, outN: number, seed: number, kind: 'float32' | 'int8'): Graph {
  const rand = mulberry32(seed);
  const tensor = (name: string, shape: number[]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) / Math.sqrt(shape[shape.length - 1]);
    let encoding: Encoding = { kind: 'float32', data };
    if (kind === 'int8') {
      const scale = Math.max(...data.map(Math.abs)) / 127 || 1;
      const values = Int8Array.from(data, (v) => Math.round(v / scale));
      encoding = {
        kind: 'int8',
        axis: -1,
        scale: Float32Array.of(scale),
        zeroPoint: Int8Array.of(0),
        values,
      };
    }
    return { name, shape, encoding };
  };
  return {
    inputs: [{ name: 'x', shape: [inN] }],
    outputs: ['probs'],
    values: [
      { name: 'h', shape: [hidden] },
      { name: 'hr', shape: [hidden] },
      { name: 'logits', shape: [outN] },
      { name: 'probs', shape: [outN] },
    ],
    tensors: [
      tensor('w1', [hidden, inN]),
      tensor('b1', [hidden]),
      tensor('w2', [outN, hidden]),
      tensor('b2', [outN]),
    ],
    ops: [
      { op: 'dense', input: 'x', output: 'h', weight: 'w1', bias: 'b1' },
      { op: 'relu', input: 'h', output: 'hr' },
      { op: 'dense', input: 'hr', output: 'logits', weight: 'w2', bias: 'b2' },
      { op: 'softmax', input: 'logits', output: 'probs' },
    ],
    metadata: { name: 'engines-test' },
  };
}

function randomInputs(n: number, size: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: size }, () => rand() * 4 - 2));
}

let bundle = '';
const small = writeMote(mlp(8, 4, 3, 1, 'float32'));
const inputs = randomInputs(6, 8, 2);
// 256×128 int8 weights: 32 KB in the file, 128 KB decoded.
const bigInt8 = writeMote(mlp(256, 128, 10, 3, 'int8'));
const bigInputs = randomInputs(1, 256, 4);
// 512×128 int8 weights: a 64 KB file, 256 KB once decoded in the 'cache' plan.
const hugeInt8 = writeMote(mlp(512, 128, 10, 5, 'int8'));
const hugeInputs = randomInputs(1, 512, 6);

beforeAll(async () => {
  bundle = await runtimeBundle();
});

describe('the runtime bundle', () => {
  it('has no ES2015+ tokens', () => {
    for (const token of ['=>', 'let ', 'const ', 'class ']) expect(bundle).not.toContain(token);
  });

  it('parses and runs under Duktape (ES5.1)', async () => {
    const r = await runInDuktape(bundle, small, inputs.slice(0, 1));
    expect(r.outputs[0]).toHaveLength(3);
  });
});

describe('engines', () => {
  it('give bit-identical outputs in Node vm, QuickJS (Bangle.js 2 budget) and Duktape', async () => {
    const node = await runInNode(bundle, small, inputs);
    // Under the watch's budget, the runtime the watch gets: this model's own bundle.
    const qjs = await runInQuickJS(runtimeFor(small, bangle), small, inputs, {
      memoryLimitBytes: bangle.emulatorMemoryBytes,
      modelMemoryLimit: bangle.ramForModelBytes,
    });
    const duk = await runInDuktape(bundle, small, inputs);
    expect(node.outputs).toHaveLength(inputs.length);
    for (const o of node.outputs) {
      expect(o).toHaveLength(3);
      expect(o.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (const v of o) expect(Math.fround(v)).toBe(v);
    }
    expect(qjs.outputs).toEqual(node.outputs);
    expect(duk.outputs).toEqual(node.outputs);
    expect(qjs.labels).toEqual(node.labels);
    expect(duk.labels).toEqual(node.labels);
    expect(qjs.peakBytes).toBe(node.peakBytes);
    expect(duk.peakBytes).toBe(node.peakBytes);
    expect(qjs.engineHeapBytes).toBeGreaterThan(0);
    expect(qjs.engineHeapPeakBytes).toBeLessThanOrEqual(bangle.emulatorMemoryBytes);
  });

  it('agree on a larger int8 model in both memory plans', async () => {
    for (const plan of ['stream', 'cache'] as const) {
      const node = await runInNode(bundle, bigInt8, bigInputs, { plan });
      const qjs = await runInQuickJS(bundle, bigInt8, bigInputs, { memoryLimitBytes: 4 << 20, plan });
      const duk = await runInDuktape(bundle, bigInt8, bigInputs, { plan });
      expect(qjs.outputs).toEqual(node.outputs);
      expect(duk.outputs).toEqual(node.outputs);
    }
  });
});

describe('memory limits', () => {
  it("reports the runtime's own over-the-limit error from inside QuickJS", async () => {
    await expect(
      runInQuickJS(bundle, bigInt8, bigInputs, {
        memoryLimitBytes: 4 << 20,
        modelMemoryLimit: bangle.ramForModelBytes,
        plan: 'cache',
      }),
    ).rejects.toThrow(/^mote: model at byte 0: needs \d+ bytes of RAM .*over the limit of 98304$/);
  });

  it("surfaces QuickJS's out-of-memory when decoded weights overflow the emulated Bangle.js 2 heap", async () => {
    const limit = bangle.emulatorMemoryBytes;
    // Without the runtime's own budget check, the engine itself runs out.
    await expect(
      runInQuickJS(bundle, hugeInt8, hugeInputs, { memoryLimitBytes: limit, plan: 'cache' }),
    ).rejects.toThrow(`QuickJS: out of memory (limit ${limit} bytes)`);
    // The same model streams layer by layer in a big enough heap.
    const r = await runInQuickJS(bundle, hugeInt8, hugeInputs, { memoryLimitBytes: 4 << 20, plan: 'stream' });
    expect(r.outputs[0]).toHaveLength(10);
  });

  it('surfaces out-of-memory with a tiny QuickJS heap', async () => {
    await expect(runInQuickJS(bundle, small, inputs, { memoryLimitBytes: 65536 })).rejects.toThrow(
      'QuickJS: out of memory (limit 65536 bytes)',
    );
  });

  it('passes runtime errors through with their message', async () => {
    const bad = small.slice();
    bad[0] ^= 0xff;
    const run = runInQuickJS(bundle, bad, inputs, { memoryLimitBytes: 1 << 20 });
    await expect(run).rejects.toThrow(/^mote: /);
    const err = await run.catch((e: Error) => e);
    const dukErr = await runInDuktape(bundle, bad, inputs).catch((e: Error) => e);
    const nodeErr = await runInNode(bundle, bad, inputs).catch((e: Error) => e);
    expect((dukErr as Error).message).toBe((err as Error).message);
    expect((nodeErr as Error).message).toBe((err as Error).message);
  });
});

describe('hangs', () => {
  const hang = 'while(true){}';

  it('are interrupted in QuickJS', async () => {
    await expect(
      runInQuickJS(hang, small, inputs, { memoryLimitBytes: 1 << 20, interruptAfterMs: 200 }),
    ).rejects.toThrow('QuickJS: interrupted after 200 ms');
  });

  it('are killed in Duktape', async () => {
    await expect(runInDuktape(hang, small, inputs, { timeoutMs: 500 })).rejects.toThrow(
      'Duktape: timed out after 500 ms',
    );
  });

  it('time out in Node vm', async () => {
    await expect(runInNode(hang, small, inputs, { timeoutMs: 200 })).rejects.toThrow(
      'Node: timed out after 200 ms',
    );
  });

  it('says which native duk is missing when one is asked for', async () => {
    await expect(runInDuktape(bundle, small, inputs, { dukPath: 'duk-not-installed-here' })).rejects.toThrow(
      "Duktape: 'duk-not-installed-here' not found",
    );
  });
});
