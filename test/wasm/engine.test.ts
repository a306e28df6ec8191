// Engine selection, and the runtime on engines without WebAssembly: 'auto' falls back to
// the JS kernels (on a host with WebAssembly removed, and in QuickJS, which has none),
// the device bundle carries no WASM, and both paths give the same outputs.
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { compile } from '../../src/compile.js';
import { run } from '../../src/runtime/model.js';
import { loadWithEngine, pickEngine } from '../../src/wasm/engine.js';
import { SIMD_WASM_BASE64 } from '../../src/wasm/kernels.generated.js';
import { getTarget } from '../../targets/index.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { ROOT } from '../../src/build/paths.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { randomWeights } from '../helpers/graphs.js';

const model = () => compile(path.join(ROOT, 'models/digits-mlp/model.json'), { clusterBits: 4 });

/** Runs `f` with the global WebAssembly removed, as on duk, QuickJS or Espruino. */
function withoutWebAssembly<T>(f: () => T): T {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = g.WebAssembly;
  delete g.WebAssembly;
  try {
    return f();
  } finally {
    g.WebAssembly = saved;
  }
}

describe('engine selection', () => {
  it("'auto' picks wasm on this host, js for a target without WebAssembly", () => {
    expect(pickEngine('auto')).toBe('wasm');
    expect(pickEngine('auto', getTarget('node'))).toBe('wasm');
    expect(pickEngine('auto', getTarget('banglejs2'))).toBe('js');
    expect(pickEngine('js')).toBe('js');
  });

  it("'wasm' on a target or host without WebAssembly is a clear error", () => {
    expect(() => pickEngine('wasm', getTarget('banglejs2'))).toThrow(/target 'banglejs2' has no WebAssembly/);
    withoutWebAssembly(() => expect(() => pickEngine('wasm')).toThrow(/this engine has no WebAssembly/));
    expect(() => pickEngine('fast' as 'js')).toThrow(/unknown engine 'fast'/);
  });

  it('without WebAssembly, auto loads on the JS kernels and gives the wasm outputs', async () => {
    const bytes = await model();
    const x = randomWeights(784, 5).map((v) => Math.abs(v));
    const wasm = loadWithEngine(bytes, { engine: 'auto' });
    expect(wasm.engine).toMatch(/^wasm-/);
    const js = withoutWebAssembly(() => loadWithEngine(bytes, { engine: 'auto' }));
    expect(js.engine).toBe('js');
    const a = run(js, x).outputs[0];
    const b = run(wasm, x).outputs[0];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });

  it('the device bundle holds no WebAssembly and runs the model in QuickJS (no WebAssembly there)', async () => {
    const bundle = await runtimeBundle();
    expect(bundle).not.toContain(SIMD_WASM_BASE64.slice(0, 64));
    expect(bundle).not.toMatch(/WebAssembly/);
    const bytes = await model();
    const xs = [0, 1].map((s) => randomWeights(784, 20 + s).map((v) => Math.abs(v)));
    const qjs = await runInQuickJS(bundle, bytes, xs, { memoryLimitBytes: 8 << 20 });
    const wasm = loadWithEngine(bytes, { engine: 'wasm' });
    xs.forEach((x, k) => {
      const b = run(wasm, x).outputs[0];
      qjs.outputs[k].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    });
  });
});
