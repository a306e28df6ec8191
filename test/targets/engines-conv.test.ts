// The conv, pool and tensor kernels in the shipped bundle, inside the constrained
// engines: imported ONNX models (a MobileNet-style CNN with 6-bit clustered weights
// streamed a channel at a time, and a graph of every other op) give the host runtime's
// outputs in Node's vm, QuickJS and Duktape.
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnxModel } from '../../src/import/onnx/import.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { writeMote } from '../../src/format/writer.js';
import { load, run } from '../../src/runtime/model.js';
import { mulberry32 } from '../../src/data/prng.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { runInNode } from '../../targets/engines/node.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { mobileCnn, opsZoo } from '../../src/reference/onnx-models.js';

let bundle = '';
beforeAll(async () => {
  bundle = await runtimeBundle();
});

describe('conv models in the engines', () => {
  for (const make of [mobileCnn, opsZoo]) {
    it(`${make.name}: Node vm, QuickJS and Duktape match the host runtime`, { timeout: 60_000 }, async () => {
      const m = make();
      const file = writeMote(compressGraph(importOnnxModel(m.bytes).graph, { clusterBits: 6 }));
      const rand = mulberry32(5);
      const n = m.input.reduce((a, b) => a * b, 1);
      const inputs = [Array.from({ length: n }, () => rand() * 2 - 1)];
      const host = load(file);
      const want = inputs.map((x) => Array.from(run(host, x).outputs[0]));
      for (const plan of ['stream', 'cache'] as const) {
        const runs = [
          await runInNode(bundle, file, inputs, { plan }),
          await runInQuickJS(bundle, file, inputs, { memoryLimitBytes: 4 << 20, plan }),
          await runInDuktape(bundle, file, inputs, { plan, timeoutMs: 30_000 }),
        ];
        for (const r of runs) {
          r.outputs.forEach((o, i) =>
            o.forEach((v, k) => expect(Math.abs(v - want[i][k]), r.engine).toBeLessThan(1e-6)),
          );
        }
      }
    });
  }
});
