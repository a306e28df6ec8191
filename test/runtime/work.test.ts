// The work bound (src/runtime/work.ts): small files that declare huge work are refused at
// load, naming the layer and the figure, by the API, the CLI and a target's own bundle.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { load } from '../../src/runtime/model.js';
import '../../src/runtime/op/all.js';
import { HOST_MAX_MACS } from '../../src/runtime/work.js';
import { writeMote } from '../../src/format/writer.js';
import type { Graph } from '../../src/ir/types.js';
import { main } from '../../src/cli/main.js';
import { bundleForModel } from '../../src/build/model-bundle.js';
import { getTarget, listTargets } from '../../targets/index.js';
import { HUGE_CONV, HUGE_POOL, hugeConv, hugePool } from '../fixtures/huge-work.js';
import { ROOT } from '../../src/build/paths.js';

const INPUT = path.join(ROOT, 'test/fixtures/one-number.json');

describe('the two small files that declare huge work', () => {
  it('are the committed fixtures, small and valid', () => {
    expect(new Uint8Array(readFileSync(HUGE_POOL))).toEqual(hugePool());
    expect(new Uint8Array(readFileSync(HUGE_CONV))).toEqual(hugeConv());
    for (const f of [HUGE_POOL, HUGE_CONV]) expect(readFileSync(f).length).toBeLessThan(200);
    // Under a raised bound they load: only their work is wrong with them.
    expect(load(hugePool(), { maxMacs: 1e13 }).macs).toBe(1024 ** 4);
    expect(load(hugeConv(), { maxMacs: 1e13 }).macs).toBe(1024 ** 4);
  });

  it('mote run refuses each with exit 1, naming the layer, the figure and the flag', async () => {
    for (const [file, op] of [
      [HUGE_POOL, 'maxpool'],
      [HUGE_CONV, 'conv2d'],
    ]) {
      const r = await main(['run', file, '--input', INPUT]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `mote: layer 0 (${op}): 1.1e12 MACs exceeds the limit of 4e10 (raise it with --max-macs, or the load option maxMacs)`,
      );
    }
  });

  it('--max-macs lowers or raises the bound; a bad value is a usage error', async () => {
    const digits = path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote');
    const low = await main(['run', digits, '--input', INPUT, '--max-macs', '1000']);
    expect(low.code).toBe(1);
    expect(low.err).toMatch(/^mote: layer 0 \(dense\): 235500 MACs exceeds the limit of 1000 /);
    const bad = await main(['run', digits, '--input', INPUT, '--max-macs', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-macs must be a number');
    // Raised past the work, the huge pool loads and fails only on the input (1 value, not 1M).
    const high = await main(['run', HUGE_POOL, '--input', INPUT, '--max-macs', '2e12']);
    expect(high.code).toBe(1);
    expect(high.err).toMatch(/needs 1048576 values, got 1/);
  });

  it("fit and emulate apply the target's bound, or --max-macs", async () => {
    const fit = await main(['fit', HUGE_CONV, '--target', 'quickjs-watch']);
    expect(fit.code).toBe(1);
    expect(fit.err).toMatch(/^mote: layer 0 \(conv2d\): 1.1e12 MACs exceeds the limit of 3e7 /);
    const digits = path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote');
    const emu = await main(['emulate', digits, '--target', 'node', '--max-macs', '1e3']);
    expect(emu.code).toBe(1);
    expect(emu.err).toMatch(/^mote: layer 0 \(dense\): 235500 MACs exceeds the limit of 1000 /);
  });
});

/** x → relu → relu → ... (`n` of them) over `size` values: no layer is big, all together are. */
function chain(n: number, size: number): Uint8Array {
  const g: Graph = {
    inputs: [{ name: 'x', shape: [size] }],
    outputs: [`r${n - 1}`],
    values: [],
    tensors: [],
    ops: [],
    metadata: {},
  };
  for (let i = 0; i < n; i++) {
    g.values.push({ name: `r${i}`, shape: [size] });
    g.ops.push({ op: 'relu', input: i ? `r${i - 1}` : 'x', output: `r${i}` });
  }
  return writeMote(g);
}

describe('the bound', () => {
  it('counts output elements, and the layers all together', () => {
    const bytes = chain(10, 1000);
    expect(() => load(bytes, { maxMacs: 999 })).toThrow(
      /layer 0 \(relu\): 1000 MACs exceeds the limit of 999/,
    );
    expect(() => load(bytes, { maxMacs: 9999 })).toThrow(
      /the model \(all 10 layers; layer 0 the largest\): 10000 MACs exceeds the limit of 9999/,
    );
    expect(load(bytes, { maxMacs: 10000 }).graph.ops).toHaveLength(10);
  });

  it('must be a positive number', () => {
    expect(() => load(chain(1, 4), { maxMacs: 0 })).toThrow(/maxMacs must be a positive number, not 0/);
    expect(() => load(chain(1, 4), { maxMacs: NaN })).toThrow(/maxMacs must be a positive number/);
  });

  it('defaults per target: a minute of its kernels, every committed model within it', () => {
    expect(getTarget('node').maxMacs).toBe(HOST_MAX_MACS);
    for (const t of listTargets()) {
      // LeNet-5 (2.3 million MACs) runs in seconds on every board.
      expect(t.maxMacs).toBeGreaterThan(2.4e6);
      expect(t.maxMacs).toBeLessThanOrEqual(HOST_MAX_MACS);
    }
  });

  it('is the default of a bundle made for a target, which an app may raise', () => {
    const lenet5 = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-5/lenet-5.mote')));
    const ctx = vm.createContext({});
    vm.runInContext(bundleForModel(lenet5, { target: getTarget('banglejs2') }).source, ctx);
    const mote = ctx.mote as { load: (b: Uint8Array, o?: object) => { macs: number } };
    expect(() => mote.load(hugePool())).toThrow(/layer 0 \(maxpool\): 1.1e12 MACs exceeds the limit of 5e7 /);
    expect(mote.load(lenet5).macs).toBeGreaterThan(2e6);
    expect(mote.load(hugePool(), { maxMacs: 2e12 }).macs).toBe(1024 ** 4);
  });
});
