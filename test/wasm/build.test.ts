// The committed kernels module is what `npm run build:wasm` makes from the sources now
// (asc is deterministic), so the shipped WASM cannot drift from src/wasm/assembly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernels, GENERATED_MODULE, generatedModule } from '../../src/wasm/build.js';
import { bestFlavour } from '../../src/wasm/instance.js';
import { packConv, packCsr, packDenseF32, packDepthwise } from '../../src/wasm/pack.js';

describe('wasm kernels build', () => {
  it('src/wasm/kernels.generated.ts matches a fresh compile of src/wasm/assembly', async () => {
    const [simd, scalar] = [await compileKernels(true), await compileKernels(false)];
    expect(readFileSync(GENERATED_MODULE, 'utf8')).toBe(generatedModule(simd, scalar));
  }, 60_000);

  it('this host validates the SIMD build', () => {
    expect(bestFlavour()).toBe('simd');
  });
});

describe('weight layouts', () => {
  it('dense groups of 16: W[o][i] at (group·inN + i)·16 + o mod 16, padding 0', () => {
    const w = Float32Array.from({ length: 18 * 3 }, (_, k) => k + 1);
    const p = packDenseF32(w, 18, 3);
    expect(p.length).toBe(2 * 3 * 16);
    expect(p[(0 * 3 + 2) * 16 + 5]).toBe(w[5 * 3 + 2]);
    expect(p[(1 * 3 + 1) * 16 + 1]).toBe(w[17 * 3 + 1]);
    expect(p[(1 * 3 + 1) * 16 + 2]).toBe(0);
  });

  it('CSR keeps exactly the non-zeros, row by row', () => {
    const w = Float32Array.from([0, 2, 0, 0, 0, 0, 3, 0, 4]);
    const c = packCsr(w, 3, 3);
    expect(Array.from(c.rowStart)).toEqual([0, 1, 1, 3]);
    expect(Array.from(c.cols)).toEqual([1, 0, 2]);
    expect(Array.from(c.vals)).toEqual([2, 3, 4]);
    expect(() => packCsr(new Float32Array(70000), 1, 70000)).toThrow(/u16/);
  });

  it('conv [oc,kh,kw,c] → [kh][kw][c][oc padded to 4]; depthwise [c,kh,kw,1] → [kh][kw][c padded]', () => {
    const w = Float32Array.from({ length: 5 * 2 * 2 * 3 }, (_, k) => k + 1);
    const p = packConv(w, 5, 2, 2, 3);
    expect(p.length).toBe(2 * 2 * 3 * 8);
    // oc 4, tap (1, 0), channel 2.
    expect(p[((1 * 2 + 0) * 3 + 2) * 8 + 4]).toBe(w[((4 * 2 + 1) * 2 + 0) * 3 + 2]);
    const d = packDepthwise(
      Float32Array.from({ length: 5 * 4 }, (_, k) => k + 1),
      5,
      2,
      2,
    );
    expect(d.length).toBe(4 * 8);
    expect(d[3 * 8 + 4]).toBe(4 * 4 + 3 + 1);
  });
});
