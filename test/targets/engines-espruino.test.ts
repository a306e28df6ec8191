// The runtime's Espruino fast path: where a global `E` with E.convolve exists, dense
// layers compute each row's dot product with it. Espruino's C implementation cannot run
// here, so the same bundle runs in QuickJS and Node's vm with ESPRUINO_NATIVES_SOURCE, an
// ES5 `E` that follows Espruino's documented semantics exactly and counts its calls.
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMote } from '../../src/format/writer.js';
import { installForm } from '../../src/format/install.js';
import { toCodebook } from '../../src/compress/sparse.js';
import { runInNode } from '../../targets/engines/node.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import type { EnginePlan, EngineRun } from '../../targets/engines/harness.js';
import { ESPRUINO_NATIVES_SOURCE } from '../../targets/engines/espruino.js';
import { mlp, randomWeights } from '../helpers/graphs.js';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../src/build/paths.js';
import { loadDigits } from '../../src/data/digits.js';
import { runtimeBundle } from '../helpers/bundle.js';

let bundle = '';
beforeAll(async () => {
  bundle = await runtimeBundle();
});

const SIZES = [40, 24, 10];
const ROWS = 24 + 10;
const inputs = [1, 2, 3, 4].map((s) => Array.from(randomWeights(40, 50 + s)));
const float = writeMote(mlp(SIZES, 7));
const codebook = writeMote(mlp(SIZES, 8, (w) => toCodebook(w, 4, 'huffman')));

type Engine = (bytes: Uint8Array, plan: EnginePlan, globals?: string) => Promise<EngineRun>;
const engines: [string, Engine][] = [
  [
    'QuickJS',
    (bytes, plan, globals) =>
      runInQuickJS(bundle, bytes, inputs, { memoryLimitBytes: 4 << 20, plan, globals }),
  ],
  ['Node vm', (bytes, plan, globals) => runInNode(bundle, bytes, inputs, { plan, globals })],
];

function expectClose(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((o, i) => {
    expect(o.length).toBe(b[i].length);
    o.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThanOrEqual(1e-6));
  });
}

describe('the E.convolve path', () => {
  for (const [name, engine] of engines) {
    it(`${name}: dense layers (weights resident, or decoded a row at a time) match the plain loops`, async () => {
      const cases: [string, Uint8Array, EnginePlan][] = [
        ['float32 weights viewed in the file', float, 'stream'],
        ['codebook weights decoded per run', codebook, 'stream'],
        ['codebook weights decoded at load', codebook, 'cache'],
        ['installed codebook weights', installForm(codebook), 'install'],
      ];
      for (const [, bytes, plan] of cases) {
        const plain = await engine(bytes, plan);
        const native = await engine(bytes, plan, ESPRUINO_NATIVES_SOURCE);
        expect(plain.nativeCalls).toBeUndefined();
        expectClose(native.outputs, plain.outputs);
        expect(native.labels).toEqual(plain.labels);
        // One call per output row of every dense layer, for every input; two E.sum per
        // input (the native NaN check of the copied input, the finite check of the output).
        expect(native.nativeCalls).toEqual({
          'E.convolve': ROWS * inputs.length,
          'E.sum': 2 * inputs.length,
        });
      }
    });
  }

  it('QuickJS: LeNet-5 convolutions take a native dot product per kernel row, with the plain outputs', async () => {
    // models/lenet-5: conv 5x5 (1→20) on 28x28, pool, conv 5x5 (20→50) on 12x12, pool,
    // dense; no padding, so every kernel row of every output position is one call.
    const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-5/lenet-5.mote')));
    const test = loadDigits('test');
    const digits = [0, 1].map((i) => Array.from(test.features.subarray(i * 784, (i + 1) * 784)));
    const convCalls = 20 * 24 * 24 * 5 + 50 * 8 * 8 * 5;
    for (const plan of ['stream', 'cache'] as EnginePlan[]) {
      const opts = { memoryLimitBytes: 16 << 20, plan, interruptAfterMs: 120_000 };
      const plain = await runInQuickJS(bundle, bytes, digits, opts);
      const native = await runInQuickJS(bundle, bytes, digits, { ...opts, globals: ESPRUINO_NATIVES_SOURCE });
      expectClose(native.outputs, plain.outputs);
      expect(native.labels).toEqual(plain.labels);
      const calls = native.nativeCalls!['E.convolve'];
      if (plan === 'stream') expect(calls).toBeGreaterThanOrEqual(convCalls * digits.length);
      else {
        // Cached, the second conv's weights are one 100 KB array: its kernel rows at 64 KB
        // or more take the JS loop, as a view there would throw on Espruino.
        expect(calls).toBeGreaterThanOrEqual(20 * 24 * 24 * 5 * digits.length);
        expect(calls).toBeLessThan(convCalls * digits.length);
      }
    }
  });

  it("the stand-in follows E.convolve's documented semantics (offset, wrap-around)", async () => {
    const vm = await import('node:vm');
    const ctx = vm.createContext({});
    vm.runInContext(ESPRUINO_NATIVES_SOURCE, ctx);
    const E = (
      ctx as { E: { convolve(a: number[], b: number[], o: number): number; sum(a: number[]): number } }
    ).E;
    // v=0; for (i in arr1) v += arr1[i] * arr2[(i+offset) % arr2.length]
    expect(E.convolve([1, 2, 3], [10, 20], 0)).toBe(1 * 10 + 2 * 20 + 3 * 10);
    expect(E.convolve([1, 2, 3], [10, 20], 1)).toBe(1 * 20 + 2 * 10 + 3 * 20);
    expect(E.convolve([1, 2], [10, 20, 30], -1)).toBe(1 * 30 + 2 * 10);
    expect(E.sum([1, 2, 3.5])).toBe(6.5);
  });
});
