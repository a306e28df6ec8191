// `--engine js|wasm|auto` on `mote run` and `mote eval`: the engine is reported, the
// results agree, and a bad value is a command-line error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { compileFile } from '../../src/compile.js';
import { ROOT } from '../../src/build/paths.js';
import { loadDigits } from '../../src/data/digits.js';

describe('mote run/eval --engine', () => {
  it('eval and run give the same results on js and wasm, and say which engine ran', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mote-engine-'));
    const file = path.join(dir, 'digits.mote');
    await compileFile(path.join(ROOT, 'models/digits-mlp/model.json'), file, { prune: 0.9, clusterBits: 4 });
    const evals = await Promise.all(
      ['js', 'wasm'].map(async (engine) => {
        const r = await main(['eval', file, '--limit', '300', '--engine', engine, '--json']);
        expect(r.code, r.err).toBe(0);
        return JSON.parse(r.out) as { engine: string; correct: number };
      }),
    );
    expect(evals[0].engine).toBe('js');
    expect(evals[1].engine).toMatch(/^wasm-(simd|scalar)$/);
    expect(evals[1].correct).toBe(evals[0].correct);
    const input = path.join(dir, 'x.json');
    writeFileSync(input, JSON.stringify(Array.from(loadDigits('test').features.subarray(0, 784))));
    const auto = JSON.parse((await main(['run', file, '--input', input, '--json'])).out);
    const js = JSON.parse((await main(['run', file, '--input', input, '--engine', 'js', '--json'])).out);
    expect(auto.engine).toMatch(/^wasm-/);
    expect(auto.results[0].label).toBe(js.results[0].label);
    auto.results[0].outputs[0].forEach((v: number, i: number) =>
      expect(v).toBeCloseTo(js.results[0].outputs[0][i], 5),
    );
  });

  it('a bad --engine is exit code 2', async () => {
    const r = await main(['eval', 'x.mote', '--engine', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--engine must be one of auto, js, wasm, got 'gpu'/);
  });
});
