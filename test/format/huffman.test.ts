import { describe, it, expect } from 'vitest';
import { BitWriter } from '../../src/format/bitwriter.js';
import {
  MAX_CODE_LENGTH,
  canonicalCodes,
  encodeFixed,
  encodeHuffman,
  fixedWidthFor,
  huffmanCodeLengths,
  packCodeLengths,
} from '../../src/format/huffman.js';
import { huffmanDecode, huffmanTable, unpackCodeLengths } from '../../src/runtime/huffman.js';
import { unpackFixed } from '../../src/runtime/bitpack.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function kraftSum(lengths: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < lengths.length; i++) if (lengths[i] > 0) sum += 2 ** -lengths[i];
  return sum;
}

function freqsOf(symbols: ArrayLike<number>, alphabet: number): Uint32Array {
  const f = new Uint32Array(alphabet);
  for (let i = 0; i < symbols.length; i++) f[symbols[i]]++;
  return f;
}

/** Encodes with the host coder, then decodes with the runtime, through a file-like layout. */
function roundTrip(
  symbols: Uint8Array,
  alphabet: number,
  lengths = huffmanCodeLengths(freqsOf(symbols, alphabet)),
) {
  const packed = packCodeLengths(lengths);
  const payload = encodeHuffman(symbols, lengths);
  // Put both in one buffer at non-zero offsets with trailing junk to check absolute offsets.
  const file = new Uint8Array(3 + packed.length + payload.length + 5).fill(0xa5);
  file.set(packed, 3);
  file.set(payload, 3 + packed.length);
  const read = unpackCodeLengths(file, 3, 3 + packed.length, alphabet, 'test');
  expect(Array.from(read)).toEqual(Array.from(lengths));
  const table = huffmanTable(read, 'test', 3);
  const out = new Uint8Array(symbols.length);
  const start = 3 + packed.length;
  const used = huffmanDecode(table, file, start, start + payload.length, symbols.length, out, 'test');
  expect(used).toBe(payload.length);
  expect(out).toEqual(symbols);
  return { lengths, payload };
}

function geometric(n: number, alphabet: number, p: number, seed: number): Uint8Array {
  const rnd = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    while (s < alphabet - 1 && rnd() > p) s++;
    out[i] = s;
  }
  return out;
}

describe('BitWriter', () => {
  it('writes MSB-first and zero-pads the last byte', () => {
    const w = new BitWriter();
    w.write(1, 1);
    w.write(0, 2);
    w.write(0b101, 3);
    w.write(0, 0);
    w.write(0xabcdef, 24);
    w.write(1, 1);
    expect(Array.from(w.finish())).toEqual([0b10010110, 0xaf, 0x37, 0xbe]);
    expect(new BitWriter().finish().length).toBe(0);
  });

  it('rejects values that do not fit', () => {
    expect(() => new BitWriter().write(4, 2)).toThrow();
    expect(() => new BitWriter().write(0, 25)).toThrow();
  });
});

describe('huffman code lengths', () => {
  it('gives one used symbol length 1 and none used all zeros', () => {
    expect(Array.from(huffmanCodeLengths([0, 0, 7, 0]))).toEqual([0, 0, 1, 0]);
    expect(Array.from(huffmanCodeLengths([0, 0, 0]))).toEqual([0, 0, 0]);
    expect(huffmanCodeLengths([]).length).toBe(0);
  });

  it('gives 256 equally frequent symbols 8 bits each', () => {
    const lengths = huffmanCodeLengths(new Array(256).fill(3));
    expect(lengths.every((l) => l === 8)).toBe(true);
  });

  it('limits Fibonacci frequencies to 15 bits and keeps the code complete', () => {
    const freqs: number[] = [1, 1];
    while (freqs.length < 40) freqs.push(freqs[freqs.length - 1] + freqs[freqs.length - 2]);
    const unlimited = huffmanCodeLengths(freqs, 64);
    expect(Math.max(...unlimited)).toBe(39);
    const lengths = huffmanCodeLengths(freqs);
    expect(Math.max(...lengths)).toBe(MAX_CODE_LENGTH);
    expect(kraftSum(lengths)).toBeLessThanOrEqual(1);
    expect(kraftSum(lengths)).toBe(1);
    // More frequent symbols never get longer codes.
    for (let s = 1; s < 40; s++) expect(lengths[s]).toBeLessThanOrEqual(lengths[s - 1]);
    // Round-trip a stream drawn from every symbol.
    const rnd = mulberry32(7);
    const symbols = new Uint8Array(5000);
    for (let i = 0; i < symbols.length; i++) symbols[i] = i < 40 ? i : Math.floor(rnd() * 40);
    roundTrip(symbols, 40, lengths);
  });

  it('is deterministic and complete for random frequencies, under tight limits too', () => {
    const rnd = mulberry32(42);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(rnd() * 300);
      const freqs = Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : Math.floor(2 ** (rnd() * 20))));
      freqs[0] = 1;
      freqs[1] = 1;
      const used = freqs.filter((f) => f > 0).length;
      const max = Math.max(Math.ceil(Math.log2(used)), 1 + Math.floor(rnd() * 15));
      const lengths = huffmanCodeLengths(freqs, max);
      expect(Array.from(huffmanCodeLengths(freqs, max))).toEqual(Array.from(lengths));
      expect(Math.max(...lengths)).toBeLessThanOrEqual(max);
      expect(kraftSum(lengths)).toBe(1);
      for (let s = 0; s < n; s++) expect(lengths[s] > 0).toBe(freqs[s] > 0);
    }
  });

  it('rejects an impossible limit', () => {
    expect(() => huffmanCodeLengths([1, 1, 1, 1, 1], 2)).toThrow();
  });
});

describe('canonical codes', () => {
  it('orders codes by length then symbol and is prefix-free', () => {
    const syms = geometric(20000, 64, 0.2, 3);
    const lengths = huffmanCodeLengths(freqsOf(syms, 64));
    const codes = canonicalCodes(lengths);
    const coded = Array.from(lengths.keys()).filter((s) => lengths[s] > 0);
    coded.sort((a, b) => lengths[a] - lengths[b] || a - b);
    // Left-aligned to 15 bits, canonical codes strictly increase in canonical order
    // and consecutive codes do not overlap, which makes the code prefix-free.
    for (let i = 1; i < coded.length; i++) {
      const a = coded[i - 1];
      const b = coded[i];
      expect(lengths[b]).toBeGreaterThanOrEqual(lengths[a]);
      const aStart = codes[a] * 2 ** (15 - lengths[a]);
      const aEnd = aStart + 2 ** (15 - lengths[a]);
      const bStart = codes[b] * 2 ** (15 - lengths[b]);
      expect(bStart).toBeGreaterThanOrEqual(aEnd);
    }
    for (const a of coded) {
      expect(codes[a]).toBeLessThan(2 ** lengths[a]);
      for (const b of coded) {
        if (a === b || lengths[a] > lengths[b]) continue;
        expect(codes[b] >>> (lengths[b] - lengths[a])).not.toBe(codes[a]);
      }
    }
  });

  it('matches the DEFLATE example (RFC 1951 3.2.2)', () => {
    // ABCDEFGH with lengths (3, 3, 3, 3, 3, 2, 4, 4).
    const codes = canonicalCodes([3, 3, 3, 3, 3, 2, 4, 4]);
    expect(Array.from(codes)).toEqual([0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111]);
  });
});

describe('huffman round trip', () => {
  it('round-trips a skewed (geometric) stream near its entropy', () => {
    const syms = geometric(50000, 32, 0.35, 1);
    const freqs = freqsOf(syms, 32);
    const { payload } = roundTrip(syms, 32);
    let entropy = 0;
    for (const f of freqs) if (f > 0) entropy -= (f / syms.length) * Math.log2(f / syms.length);
    const avg = (payload.length * 8) / syms.length;
    expect(avg).toBeGreaterThanOrEqual(entropy - 1e-9);
    expect(avg).toBeLessThanOrEqual(entropy + 1);
    expect(avg).toBeLessThan(fixedWidthFor(32));
  });

  it('round-trips a one-symbol stream at one bit per symbol', () => {
    const syms = new Uint8Array(17).fill(5);
    const { lengths, payload } = roundTrip(syms, 8);
    expect(lengths[5]).toBe(1);
    expect(payload.length).toBe(3);
  });

  it('round-trips 256 equally frequent symbols at 8 bits each', () => {
    const syms = new Uint8Array(256 * 4);
    for (let i = 0; i < syms.length; i++) syms[i] = (i * 37) & 255;
    const { lengths, payload } = roundTrip(syms, 256);
    expect(lengths.every((l) => l === 8)).toBe(true);
    expect(payload.length).toBe(syms.length);
  });

  it('round-trips an empty stream', () => {
    const lengths = huffmanCodeLengths([1, 0, 0]);
    const { payload } = roundTrip(new Uint8Array(0), 3, lengths);
    expect(payload.length).toBe(0);
  });

  it('round-trips seeded random streams', () => {
    const rnd = mulberry32(1234);
    for (let trial = 0; trial < 50; trial++) {
      const alphabet = 1 + Math.floor(rnd() * 256);
      const n = Math.floor(rnd() * 3000);
      const skew = 1 + rnd() * 4;
      const syms = new Uint8Array(n);
      for (let i = 0; i < n; i++) syms[i] = Math.floor(rnd() ** skew * alphabet);
      const freqs = freqsOf(syms, alphabet);
      if (n === 0) freqs[0] = 1;
      roundTrip(syms, alphabet, huffmanCodeLengths(freqs));
    }
  });

  it('decodes into a Uint16Array', () => {
    const lengths = huffmanCodeLengths([5, 1, 1, 3]);
    const syms = [0, 3, 1, 2, 0, 0];
    const payload = encodeHuffman(syms, lengths);
    const out = new Uint16Array(6);
    huffmanDecode(huffmanTable(lengths, 't', 0), payload, 0, payload.length, 6, out, 't');
    expect(Array.from(out)).toEqual(syms);
  });

  it('packs code lengths high nibble first', () => {
    expect(Array.from(packCodeLengths([1, 2, 15]))).toEqual([0x12, 0xf0]);
    expect(Array.from(unpackCodeLengths(new Uint8Array([0x12, 0xf0]), 0, 2, 3, 't'))).toEqual([1, 2, 15]);
    expect(() => packCodeLengths([16])).toThrow();
  });

  it('rejects encoding a symbol without a code', () => {
    expect(() => encodeHuffman([1], [1, 0])).toThrow();
  });
});

describe('huffman decoder errors', () => {
  const lengths = huffmanCodeLengths([10, 5, 3, 1, 1]);
  const table = huffmanTable(lengths, 'stream', 0);

  it('fails on a truncated stream', () => {
    const syms = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0];
    const payload = encodeHuffman(syms, lengths);
    const file = new Uint8Array(10 + payload.length);
    file.set(payload, 10);
    const out = new Uint8Array(10);
    const end = 10 + payload.length - 1;
    expect(() => huffmanDecode(table, file, 10, end, 10, out, 'stream')).toThrow(
      new RegExp('^mote: stream at byte ' + end + ': '),
    );
    expect(() => huffmanDecode(table, file, 10, 10, 1, out, 'stream')).toThrow(/at byte 10/);
  });

  it('fails when out is too small', () => {
    expect(() => huffmanDecode(table, new Uint8Array(8), 0, 8, 5, new Uint8Array(4), 'stream')).toThrow(
      /at byte/,
    );
  });

  it('fails on over-subscribed lengths', () => {
    expect(() => huffmanTable(new Uint8Array([1, 1, 1]), 'lengths', 7)).toThrow(
      /lengths at byte 7: .*over-subscribed/,
    );
    expect(() => huffmanTable(new Uint8Array([1, 2, 2, 2]), 'lengths', 7)).toThrow(/over-subscribed/);
  });

  it('fails when no symbol has a code', () => {
    expect(() => huffmanTable(new Uint8Array([0, 0]), 'lengths', 7)).toThrow(/at byte 7/);
    expect(() => huffmanTable(new Uint8Array(0), 'lengths', 7)).toThrow(/at byte 7/);
  });

  it('fails on a code length above 15', () => {
    expect(() => huffmanTable(new Uint8Array([1, 16]), 'lengths', 3)).toThrow(/at byte 3: .*exceeds 15/);
  });

  it('fails on code lengths past the end', () => {
    expect(() => unpackCodeLengths(new Uint8Array(4), 2, 4, 5, 'lengths')).toThrow(/lengths at byte 2/);
  });

  it('fails on an unused code of an incomplete code', () => {
    // Symbol 0 is '0'; nothing starts with '1'.
    const t = huffmanTable(new Uint8Array([1, 0]), 'stream', 0);
    const out = new Uint8Array(3);
    expect(huffmanDecode(t, new Uint8Array([0x00]), 0, 1, 3, out, 'stream')).toBe(1);
    expect(() =>
      huffmanDecode(t, new Uint8Array([0x00, 0x10]), 0, 2, 12, new Uint8Array(12), 'stream'),
    ).toThrow(/stream at byte 1: .*no code/);
    // Lengths 1, 2, 3 leave '111' unused; a deeper walk also fails, within 15 bits.
    const t2 = huffmanTable(new Uint8Array([1, 2, 3]), 'stream', 0);
    expect(() => huffmanDecode(t2, new Uint8Array([0b11100000]), 0, 1, 1, out, 'stream')).toThrow(
      /at byte 0/,
    );
  });

  it('terminates with a result or an error on random bytes', () => {
    const rnd = mulberry32(99);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 20);
      const ls = new Uint8Array(n);
      for (let i = 0; i < n; i++) ls[i] = Math.floor(rnd() * 16);
      let t;
      try {
        t = huffmanTable(ls, 'x', 0);
      } catch (e) {
        expect(String(e)).toMatch(/^Error: mote: x at byte 0: /);
        continue;
      }
      const bytes = new Uint8Array(Math.floor(rnd() * 30)).map(() => Math.floor(rnd() * 256));
      const out = new Uint16Array(100);
      try {
        const used = huffmanDecode(t, bytes, 0, bytes.length, 100, out, 'x');
        expect(used).toBeLessThanOrEqual(bytes.length);
        for (const s of out) expect(ls[s]).toBeGreaterThan(0);
      } catch (e) {
        expect(String(e)).toMatch(/^Error: mote: x at byte \d+: /);
      }
    }
  });
});

describe('fixed-width packing', () => {
  it('round-trips widths 1..8', () => {
    const rnd = mulberry32(5);
    for (let width = 1; width <= 8; width++) {
      for (const n of [0, 1, 7, 8, 9, 1001]) {
        const syms = new Uint8Array(n);
        for (let i = 0; i < n; i++) syms[i] = Math.floor(rnd() * (1 << width));
        const payload = encodeFixed(syms, width);
        expect(payload.length).toBe(Math.ceil((n * width) / 8));
        const file = new Uint8Array(payload.length + 4).fill(0xff);
        file.set(payload, 2);
        const out = new Uint8Array(n);
        expect(unpackFixed(file, 2, 2 + payload.length, width, n, out, 'fixed')).toBe(payload.length);
        expect(out).toEqual(syms);
      }
    }
  });

  it('packs MSB-first', () => {
    expect(Array.from(encodeFixed([1, 0, 3, 2, 1], 2))).toEqual([0b01001110, 0b01000000]);
    expect(Array.from(encodeFixed([5, 2, 7], 3))).toEqual([0b10101011, 0b10000000]);
  });

  it('rejects symbols that do not fit and bad widths', () => {
    expect(() => encodeFixed([4], 2)).toThrow();
    expect(() => encodeFixed([0], 0)).toThrow();
    expect(() => encodeFixed([0], 9)).toThrow();
  });

  it('fails up-front on a short stream', () => {
    const out = new Uint8Array(9);
    expect(() => unpackFixed(new Uint8Array(10), 5, 6, 1, 9, out, 'fixed')).toThrow(/fixed at byte 5: /);
    expect(() => unpackFixed(new Uint8Array(10), 0, 10, 4, 9, new Uint8Array(8), 'fixed')).toThrow(
      /at byte 0/,
    );
    expect(() => unpackFixed(new Uint8Array(10), 0, 10, 9, 1, out, 'fixed')).toThrow(/at byte 0/);
  });

  it('computes fixed widths', () => {
    expect([0, 1, 2, 3, 4, 5, 16, 17, 255, 256].map(fixedWidthFor)).toEqual([1, 1, 1, 2, 2, 3, 4, 5, 8, 8]);
  });
});
