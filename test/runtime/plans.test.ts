// The execution plans: 'install' runs a model in its installed form (src/format/install.ts,
// every symbol stream one byte per symbol) with the same outputs as the original in every
// plan, and the runtime's byte-at-a-time fast path reads those streams with all checks.
import { describe, expect, it } from 'vitest';
import type { Encoding, Graph } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { inspect } from '../../src/format/inspect.js';
import { installForm } from '../../src/format/install.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toInt8 } from '../../src/compress/quantize.js';
import { load, run } from '../../src/runtime/model.js';
import { dense } from '../../src/runtime/kernels.js';
import { readRun, symbolReader } from '../../src/runtime/symbols.js';
import { unpackFixed } from '../../src/runtime/bitpack.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { mlp, randomWeights } from '../helpers/graphs.js';

/** Four dense layers, one per stream-carrying encoding (and one int8, which has none). */
function mixed(): Graph {
  const encode = (w: Float32Array, shape: number[], layer: number): Encoding => {
    if (layer === 0) return toCodebook(w, 4, 'huffman');
    if (layer === 1) {
      for (let i = 0; i < w.length; i++) if (i % 3) w[i] = 0;
      return toSparse(w, { gapBits: 2, clusterBits: 3 });
    }
    if (layer === 2) return toSparse(w, { gapBits: 3, coding: 'fixed' });
    return toInt8(w, shape, 0);
  };
  return mlp([48, 40, 32, 24, 10], 11, encode);
}

const PLANS = ['stream', 'cache', 'install'] as const;

describe("plan 'install'", () => {
  const original = writeMote(mixed());
  const installed = installForm(original);
  const inputs = [1, 2, 3].map((s) => randomWeights(48, 100 + s));

  it('gives the same outputs as the original in every plan', () => {
    const outputs = (bytes: Uint8Array, plan: string) => {
      const m = load(bytes, { plan });
      expect(m.plan).toBe(plan);
      return inputs.map((x) => Array.from(run(m, x).outputs[0]));
    };
    const reference = outputs(original, 'cache');
    for (const plan of PLANS) {
      // Bit-identical to the original under the same plan: the same values, the same kernels.
      const mine = outputs(installed, plan);
      expect(mine).toEqual(outputs(original, plan));
      // Across plans, only float rounding differs (the sparse kernel sums in float32).
      mine.forEach((o, i) => o.forEach((v, j) => expect(Math.abs(v - reference[i][j])).toBeLessThan(1e-6)));
    }
  });

  it('needs less RAM than cache (nothing decoded at load but biases)', () => {
    const install = load(installed, { plan: 'install' }).memory;
    const cache = load(installed, { plan: 'cache' }).memory;
    const stream = load(original, { plan: 'stream' }).memory;
    expect(install.peak).toBeLessThan(cache.peak);
    expect(install).toEqual(stream);
  });

  it('writes a valid .mote whose streams all inspect as byte', () => {
    const report = inspect(installed);
    const streams = report.tensors.flatMap((t) => [t.indices, t.gaps].filter((s) => s !== undefined));
    expect(streams.length).toBe(4);
    for (const s of streams) {
      expect(s.coding).toBe('byte');
      expect(s.bitsPerSymbol).toBe(8);
    }
    // The original had Huffman and narrow fixed streams; the values are the same.
    expect(inspect(original).tensors.flatMap((t) => [t.indices?.coding, t.gaps?.coding])).toContain(
      'huffman',
    );
    const a = readMote(original);
    const b = readMote(installed);
    expect(b.ops).toEqual(a.ops);
    expect(b.metadata).toEqual(a.metadata);
    b.tensors.forEach((t, i) => {
      const e = t.encoding;
      const o = a.tensors[i].encoding;
      if (e.kind === 'codebook' && o.kind === 'codebook') expect(e.indices).toEqual(o.indices);
      if (e.kind === 'sparse' && o.kind === 'sparse') expect(e.gaps).toEqual(o.gaps);
    });
    // write → read → write is byte-identical for the installed form too, and installing twice changes nothing.
    expect(Buffer.from(writeMote(b)).equals(Buffer.from(installed))).toBe(true);
    expect(Buffer.from(installForm(installed)).equals(Buffer.from(installed))).toBe(true);
  });

  it('leaves a stream whose alphabet already needs 8 bits as it was (fixed)', () => {
    const indices = Uint8Array.from({ length: 16 * 20 }, (_, i) => (i * 7) % 256);
    const codebook = Float32Array.from({ length: 256 }, (_, i) => i / 256 - 0.5);
    const g = mlp([16, 20], 3, () => ({ kind: 'codebook', codebook, indices, coding: 'fixed' }));
    const bytes = writeMote(g);
    expect(inspect(installForm(bytes)).tensors[0].indices!.coding).toBe('fixed');
    expect(Buffer.from(installForm(bytes)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('the width-8 fast path of readRun', () => {
  const payload = Uint8Array.from([0, 7, 3, 255, 128, 9]);
  const file = new Uint8Array(10);
  file.set(payload, 2);

  it('reads one symbol per byte, as is or through a map', () => {
    const out = new Uint16Array(6);
    readRun(symbolReader(file, 2, 8, null, 8, 'w8'), out, 6, null);
    expect(Array.from(out)).toEqual(Array.from(payload));
    const r = symbolReader(file, 2, 8, null, 8, 'w8');
    const map = Float32Array.from({ length: 256 }, (_, i) => i / 2);
    const vals = new Float32Array(3);
    readRun(r, vals, 2, map);
    readRun(r, vals.subarray(2), 1, map);
    expect(Array.from(vals)).toEqual([0, 3.5, 1.5]);
    expect(r.pos).toBe(5);
    expect(unpackFixed(file, 2, 8, 8, 6, new Uint8Array(6), 'w8')).toBe(6);
  });

  it('checks the end of the stream and the codebook size', () => {
    expect(() => readRun(symbolReader(file, 2, 8, null, 8, 'w8'), new Uint8Array(7), 7, null)).toThrow(
      'mote: w8 at byte 8: stream ends inside a symbol',
    );
    const map = new Float32Array(10);
    expect(() => readRun(symbolReader(file, 2, 8, null, 8, 'w8'), new Float32Array(6), 6, map)).toThrow(
      'mote: w8 at byte 5: index 255 beyond codebook of 10',
    );
  });

  it('a corrupt installed stream fails at load, not mid-inference', () => {
    const g = mlp([8, 4], 5, (w) => ({ ...toCodebook(w, 2, 'huffman'), coding: 'byte' }));
    const bytes = writeMote(g);
    const enc = g.tensors[0].encoding;
    if (enc.kind !== 'codebook') throw new Error('expected codebook');
    // Find the index payload (one byte per weight, values < 4) and put 200 in it.
    const needle = Buffer.from(enc.indices);
    const at = Buffer.from(bytes).indexOf(needle);
    expect(at).toBeGreaterThan(0);
    const bad = bytes.slice();
    bad[at + 5] = 200;
    // Fix the CRC so that the stream check, not the checksum, catches it.
    new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad, 0, bad.length - 4), true);
    const fixed = bad;
    expect(() => load(fixed, { plan: 'install' })).toThrow(/index 200 beyond codebook of 4/);
  });
});

describe('the native dot product in dense()', () => {
  const inN = 5;
  const outN = 4;
  const w = randomWeights(inN * outN, 9);
  const x = randomWeights(inN, 10);
  const b = randomWeights(outN, 11);
  const plain = new Float32Array(outN);
  dense(x, w, b, plain, inN, outN, null);

  it('uses E.convolve on each row view, with the same result', () => {
    let calls = 0;
    const nat = {
      convolve(a: Float32Array, v: Float32Array, offset: number) {
        calls++;
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * v[(i + offset) % v.length];
        return s;
      },
    };
    const out = new Float32Array(outN);
    dense(x, w, b, out, inN, outN, nat);
    expect(calls).toBe(outN);
    out.forEach((v, i) => expect(Math.abs(v - plain[i])).toBeLessThan(1e-6));
  });

  it('on Espruino, takes the loop for rows at 64 KB or more (a view there throws)', () => {
    // 40 rows of 1,000 floats: rows 0-16 start below 65,536 bytes, rows 17-39 at or past it.
    const n = 1000;
    const rows = 40;
    const big = randomWeights(n * rows, 12);
    const xs = randomWeights(n, 13);
    const want = new Float32Array(rows);
    dense(xs, big, null, want, n, rows, null);
    let calls = 0;
    const nat = {
      convolve(a: Float32Array, v: Float32Array) {
        calls++;
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * v[i];
        return s;
      },
    };
    // Espruino's rule, on an engine that has `E`: subarray at byteOffset >= 65,536 throws.
    const espruino = big.subarray.bind(big);
    big.subarray = (start?: number, end?: number) => {
      if ((start ?? 0) * 4 >= 65536) throw new Error('byteOffset too large (or negative)');
      return espruino(start, end);
    };
    const g = globalThis as { E?: unknown };
    g.E = nat;
    try {
      const out = new Float32Array(rows);
      dense(xs, big, null, out, n, rows, nat);
      expect(calls).toBe(17);
      out.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-4));
    } finally {
      delete g.E;
    }
  });
});
