// The harness's plans and profiles: plan 'install' passes through to the runtime in every
// engine, and the runtime's per-op profile comes back from QuickJS and Duktape.
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMote } from '../../src/format/writer.js';
import { installForm } from '../../src/format/install.js';
import { toCodebook } from '../../src/compress/sparse.js';
import { load, run } from '../../src/runtime/model.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { runInNode } from '../../targets/engines/node.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { harnessCalls } from '../../targets/engines/harness.js';
import { mlp, randomWeights } from '../helpers/graphs.js';
import { runtimeBundle } from '../helpers/bundle.js';

let bundle = '';
beforeAll(async () => {
  bundle = await runtimeBundle();
});

const model = writeMote(mlp([20, 12, 5], 4, (w) => toCodebook(w, 3, 'huffman')));
const installed = installForm(model);
// 60 inputs of 20 values: two harness calls (INPUT_CHUNK_VALUES is 1024), so the profile
// is merged across calls.
const inputs = Array.from({ length: 60 }, (_, i) => Array.from(randomWeights(20, 300 + i)));

describe('harness', () => {
  it("passes plan 'install' through, with the outputs of the host runtime", async () => {
    const m = load(installed, { plan: 'install' });
    const host = inputs.map((x) => Array.from(run(m, x).outputs[0]));
    const node = await runInNode(bundle, installed, inputs, { plan: 'install' });
    const qjs = await runInQuickJS(bundle, installed, inputs, { memoryLimitBytes: 2 << 20, plan: 'install' });
    const duk = await runInDuktape(bundle, installed, inputs, { plan: 'install' });
    expect(node.outputs).toEqual(host);
    expect(qjs.outputs).toEqual(host);
    expect(duk.outputs).toEqual(host);
    expect(qjs.peakBytes).toBe(m.memory.peak);
  });

  it('reports the per-op profile from QuickJS and Duktape, ms averaged over every run', async () => {
    expect(
      harnessCalls(model, inputs, { profile: true }).filter((c) => c.startsWith('__moteRun')).length,
    ).toBe(2);
    const host = run(load(model), inputs[0], { profile: true }).profile!;
    const qjs = await runInQuickJS(bundle, model, inputs, {
      memoryLimitBytes: 2 << 20,
      profile: true,
      repeat: 3,
    });
    const duk = await runInDuktape(bundle, model, inputs, { profile: true, repeat: 3 });
    for (const r of [qjs, duk]) {
      expect(r.profile).toBeDefined();
      const p = r.profile!;
      expect(p.map(({ ms: _ms, ...rest }) => rest)).toEqual(host.map(({ ms: _ms, ...rest }) => rest));
      expect(p.map((op) => op.kernel)).toEqual(['dense-decode', 'relu', 'dense-decode', 'softmax']);
      for (const op of p) {
        expect(op.ms).toBeGreaterThanOrEqual(0);
        expect(op.ms).toBeLessThan(r.msPerInference + 1);
      }
    }
    // Without the option there is no profile.
    expect((await runInDuktape(bundle, model, inputs.slice(0, 1))).profile).toBeUndefined();
  });
});
