// The programmatic API as the README shows it, through the package's entry point.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  compile,
  compileFile,
  evaluate,
  inspect,
  loadDigits,
  loadModel,
  readMote,
  run,
} from '../src/index.js';

describe('the mote API', () => {
  it('compiles, inspects, loads, runs and evaluates the example model', async () => {
    const bytes = await compile('models/digits-mlp/model.json', { clusterBits: 3, name: 'digits' });
    const report = inspect(bytes);
    expect(report.ratio).toBeGreaterThan(10);
    expect(report.tensors.some((t) => t.indices?.coding === 'huffman')).toBe(true);
    expect(readMote(bytes).metadata.name).toBe('digits');
    const model = loadModel(bytes, { plan: 'stream', memoryLimit: 96 * 1024 });
    const r = run(model, new Float32Array(784));
    expect(r.outputs[0]).toHaveLength(10);
    expect(r.macs).toBe(784 * 64 + 64 * 32 + 32 * 10);
    expect(model.memory.peak).toBeLessThan(96 * 1024);
    expect(evaluate(model, loadDigits('test'), 300).accuracy).toBeGreaterThan(0.9);
  });

  it('compileFile writes the same bytes as compile', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'mote-api-')), 'd.mote');
    const bytes = await compileFile('models/digits-mlp/model.json', out, { quantize: 'int8' });
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(bytes))).toBe(true);
  });
});
