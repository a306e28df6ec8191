// Fuzzes the reader and runtime with mutated .mote files: every case must load and run,
// or be rejected with a `mote: ` error; nothing may crash, hang or allocate without bound,
// no accepted file may give a NaN or an infinity, and the js/wasm engines and the
// stream/cache plans must agree on every file they accept.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Graph, Tensor } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { load } from '../../src/runtime/model.js';
import { readContainer } from '../../src/runtime/container.js';
import { readTensors } from '../../src/runtime/tensors.js';
import { buildCorpus, corpusGraphs, streamHeaderAt, tensorFields, type CorpusFile } from './corpus.js';
import {
  fixUp,
  hex,
  LOCATED,
  MAX_MACS,
  WORK_BOUND,
  withSection,
  MEMORY_LIMIT,
  MUTATORS,
  runCaseDetailed,
  signature,
} from './mutate.js';
import { campaign } from './campaign.js';
import { caseInput, differential, lockstep, sumBound } from './differential.js';
import { feed, run, step } from '../../src/runtime/model.js';
import { wasmAccelerator } from '../../src/wasm/accelerator.js';
import { OPS } from '../../src/runtime/registry.js';

const SEED = 20240601;
const CASES = 3000;
const corpus = buildCorpus();

function file(name: string): CorpusFile {
  const f = corpus.find((c) => c.name === name);
  if (!f) throw new Error(`no corpus file ${name}`);
  return f;
}

function setU32(bytes: Uint8Array, at: number, v: number): Uint8Array {
  const b = bytes.slice();
  new DataView(b.buffer).setUint32(at, v, true);
  return b;
}

/** The mote error a load (stream plan, fuzz memory limit) throws, or null when it loads. */
function loadError(bytes: Uint8Array, plan = 'stream'): string | null {
  try {
    load(bytes, { plan, memoryLimit: MEMORY_LIMIT });
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe('Error');
    return (e as Error).message;
  }
}

/** Expects the case to be rejected by every phase's checks, never to crash. */
function expectRejected(bytes: Uint8Array, message: RegExp): void {
  const r = runCaseDetailed(bytes);
  if (typeof r.outcome === 'object') throw new Error(`crash instead of a rejection:\n${r.outcome.crash}`);
  expect(r.outcome).toBe('rejected');
  for (const m of r.messages) expect(LOCATED.test(m) || WORK_BOUND.test(m), m).toBe(true);
  expect(
    r.messages.some((m) => message.test(m)),
    r.messages.join('\n'),
  ).toBe(true);
}

/** A one-op graph whose sparse weight has the given shape but only three entries. */
function sparseGraph(inN: number, outN: number, extra: Tensor[] = []): Graph {
  return {
    inputs: [{ name: 'x', shape: [inN] }],
    outputs: ['y'],
    values: [{ name: 'y', shape: [outN] }],
    tensors: [
      {
        name: 'w',
        shape: [outN, inN],
        encoding: {
          kind: 'sparse',
          gapBits: 2,
          gaps: Uint8Array.from([0, 1, 2]),
          gapCoding: 'fixed',
          values: { kind: 'float32', data: Float32Array.from([1, 2, 3]) },
        },
      },
      ...extra,
    ],
    ops: [{ op: 'dense', input: 'x', output: 'y', weight: 'w' }],
    metadata: { name: 'huge' },
  };
}

describe('fuzz corpus', () => {
  it('covers every encoding with small files that load, run and read back', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(10);
    for (const f of corpus) {
      expect(f.bytes.length, f.name).toBeLessThan(2048);
      expect(runCaseDetailed(f.bytes).outcome, f.name).toBe('ok');
    }
    const kinds = new Set<string>();
    for (const [, g] of corpusGraphs()) {
      for (const t of g.tensors) {
        const e = t.encoding;
        if (e.kind === 'int8') kinds.add(`int8/${e.axis < 0 ? 'tensor' : 'channel'}`);
        else if (e.kind === 'codebook') kinds.add(`codebook/${e.coding}`);
        else if (e.kind === 'sparse') {
          kinds.add(`sparse/${e.values.kind}/${e.gapCoding}`);
          // A filler entry: a maximal gap followed by a zero value.
          const max = (1 << e.gapBits) - 1;
          if (e.gaps.some((gap) => gap === max)) kinds.add('sparse/filler');
        } else kinds.add(e.kind);
      }
    }
    for (const k of [
      'float32',
      'int8/tensor',
      'int8/channel',
      'codebook/fixed',
      'codebook/huffman',
      'sparse/float32/fixed',
      'sparse/float32/huffman',
      'sparse/codebook/fixed',
      'sparse/codebook/huffman',
      'sparse/filler',
      'binary',
    ])
      expect(kinds, k).toContain(k);
  });
});

describe('fuzzing', () => {
  // In a watched worker (campaign.ts): a case still running after 5 s is stopped and
  // counted as a hang, so a hang fails this test instead of stalling it.
  it(`${CASES} mutated files: no crash, hang, non-finite output accepted or disagreement`, async () => {
    const s = await campaign({ cases: CASES, seed: SEED, keepFailures: 3, hangMs: 5000, killMs: 5000 });
    console.log(
      `fuzz: ${s.cases} cases (seed ${SEED}) in ${s.elapsedMs.toFixed(0)} ms: ok ${s.ok}, rejected ${s.rejected}, ` +
        `crash ${s.crash}, hang ${s.hang}, non-finite ${s.nonFinite}, disagree ${s.disagree}; slowest ` +
        `${s.slowest.ms.toFixed(1)} ms (case ${s.slowest.index}, ${s.slowest.mutator}/${s.slowest.variant})`,
    );
    for (const f of s.failures) {
      console.log(
        `${f.kind}: case ${f.index} seed ${f.seed} ${f.mutator}/${f.variant} on ${f.source} (${f.detail})\n` +
          `${f.what}\nreplay: npm run fuzz -- --case ${f.index} ${f.seed}`,
      );
    }
    expect(s.cases).toBe(CASES);
    // Every mutator ran; raw cases stop at the CRC, fixed-up ones go deeper, and the
    // structure-aware ones make files that load and run (so the differential had work).
    for (const m of MUTATORS) expect(s.byMutator[m].cases, m).toBeGreaterThan(0);
    expect(s.byVariant.fixed.ok).toBeGreaterThan(0);
    for (const m of ['nonfinite', 'meta', 'shapes', 'header'])
      expect(s.byMutator[m].ok, m).toBeGreaterThan(0);
    expect(s.unlocatedExamples).toEqual([]);
    expect(Object.keys(s.signatures)).toEqual([]);
    expect([s.crash, s.hang, s.nonFinite, s.disagree]).toEqual([0, 0, 0, 0]);
  }, 120000);
});

describe('the campaign', () => {
  it('stops a case that never ends, counts it as a hang and goes on after it', async () => {
    const s = await campaign({ cases: 12, seed: SEED, killMs: 500, spinAt: 5 });
    expect([s.cases, s.hang]).toEqual([12, 1]);
    expect(s.failures.map((f) => [f.kind, f.index])).toEqual([['hang', 5]]);
    expect(s.failures[0].detail).toMatch(/stopped after 500 ms/);
  }, 60000);
});

describe('the differential check', () => {
  const limits = { memoryLimit: MEMORY_LIMIT, maxMacs: MAX_MACS };
  it('runs every corpus file four ways, and they agree', () => {
    for (const f of corpus) {
      const d = differential(f.bytes, limits, 'simd');
      expect(d.accepted, f.name).toEqual(['js-stream', 'js-cache', 'wasm-stream', 'wasm-cache']);
      expect([d.nonFinite, d.disagree, d.unchecked], f.name).toEqual([null, null, 0]);
    }
  });

  // Found by this check: the sparse kernel (stream plan) summed each row in float32,
  // dense() (cache plan) in float64, so the plans differed in the last bits.
  it('stream and cache agree bit for bit on sparse weights', () => {
    for (const name of ['mixed-a', 'conv-sparse-f32', 'sparse-f32-huffman', 'sparse-cb-fixed']) {
      const bytes = file(name).bytes;
      const a = load(bytes, { plan: 'stream' });
      const b = load(bytes, { plan: 'cache' });
      const x = caseInput(a);
      expect(Array.from(run(a, x).outputs[0]), name).toEqual(Array.from(run(b, x).outputs[0]));
    }
  });

  it('finds a wasm kernel that differs from the JS one by more than its bound', () => {
    const bytes = file('float32').bytes;
    const js = load(bytes, { plan: 'stream' });
    const x = caseInput(js);
    const wasm = load(bytes, { plan: 'stream', accelerator: wasmAccelerator() });
    expect(lockstep(js, wasm, x, () => {})).toBeNull();
    // Op 1 is dense 16 → 8 in wasm: nudge its first output after it runs.
    const dense = wasm.fast[1]!;
    const out = wasm.graph.ops[1].output;
    wasm.fast[1] = () => {
      dense();
      wasm.buffers[out][0] += 1e-3;
    };
    expect(lockstep(js, wasm, x, () => {})).toMatch(
      /^op 1 \(fc0, wasm-\w+\) differs at \[0\]: .* \(allowed /,
    );
    // An exact kernel (relu, op 2) may not differ at all.
    wasm.fast[1] = dense;
    const relu = wasm.fast[2]!;
    wasm.fast[2] = () => {
      relu();
      wasm.buffers[wasm.graph.ops[2].output][3] = -0.5;
    };
    expect(lockstep(js, wasm, x, () => {})).toMatch(/^op 2 .* \(must be equal\)$/);
  });

  it('finds a plan that lets a live value be overwritten', () => {
    const bytes = file('conv-sparse-f32').bytes;
    const js = load(bytes, { plan: 'stream' });
    const x = caseInput(js);
    const bad = load(bytes, { plan: 'stream' });
    const g = bad.graph;
    // A value read two or more ops after the op that writes it; the op in between also
    // writes over it, as a plan giving two live values one slot would.
    let victim = -1;
    let between = -1;
    for (let k = 0; k < g.ops.length && victim < 0; k++) {
      for (const v of g.ops[k].inputs) {
        const p = g.ops.findIndex((op) => op.output === v);
        if (p >= 0 && k - p >= 2) [victim, between] = [v, p + 1];
      }
    }
    expect(between).toBeGreaterThan(0);
    const own = OPS[g.ops[between].code]!;
    bad.fast[between] = () => {
      own.run(bad, between, bad.buffers[g.ops[between].input], bad.buffers[g.ops[between].output]);
      bad.buffers[victim][0] += 1;
    };
    expect(lockstep(js, bad, x, () => {})).toMatch(
      new RegExp(`value ${g.values[victim].name} changed at \\[0\\] before op \\d+ read it`),
    );
  });

  it('bounds a float32 sum by (n + 8)·2u·Σ|w·x|', () => {
    const m = load(file('float32').bytes, { plan: 'cache' });
    const x = caseInput(m);
    feed(m, x);
    step(m, 0);
    // Op 1: dense 16 → 8 over the reshaped input.
    const b = sumBound(m, 1)!;
    const w = m.weights[m.graph.ops[1].weight]!;
    const bias = m.weights[m.graph.ops[1].bias]!;
    let s = Math.abs(bias[0]);
    for (let i = 0; i < 16; i++) s += Math.abs(w[i] * x[0][i]);
    // S is held in float32 (and rounded up by 2u): equal to 6 digits.
    expect(b[0] / (25 * 2 * 2 ** -24 * s)).toBeCloseTo(1, 6);
  });
});

describe('targeted corruptions', () => {
  it('a file-length field of 0xFFFFFFFF', () => {
    const b = setU32(file('float32').bytes, 8, 0xffffffff);
    expectRejected(b, /^mote: header at byte 8: file length field says 4294967295/);
    // Even with a matching CRC the length check comes first.
    const c = b.slice();
    new DataView(c.buffer).setUint32(c.length - 4, 0, true);
    expectRejected(c, /file length/);
  });

  it('a tensor dimension set huge is refused before anything is allocated', () => {
    // Raise one dim of a float32 weight: its blob cannot hold 2^32 × 16 floats.
    const f = file('float32');
    const w = tensorFields(f.bytes).find((t) => t.name === 'fc0.weight')!;
    const b = fixUp(setU32(f.bytes, w.dimsAt[0], 0xffffffff));
    expectRejected(b, /tensor 'fc0\.weight' has \d+ elements, too many/);
    // Within the element cap, the blob still has to hold every float.
    const b2 = fixUp(setU32(f.bytes, w.dimsAt[0], 0x1000000));
    expectRejected(b2, /tensor 'fc0\.weight' \(float32\) at byte \d+: (float32 )?values needs \d+ bytes/);

    // A sparse weight's blob does not grow with its size, so a valid 16 GB layer parses:
    // the memory plan must refuse it, in both plans, before allocating.
    const huge = writeMote(sparseGraph(1, 0xffffffff));
    expect(huge.length).toBeLessThan(300);
    const before = process.memoryUsage().arrayBuffers;
    for (const plan of ['stream', 'cache'])
      expect(loadError(huge, plan)).toMatch(/^mote: model at byte 0: needs \d+ bytes of RAM/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // The fuzz cases load with a work bound too, which refuses it first.
    expectRejected(huge, /needs \d+ bytes of RAM|MACs exceeds the limit/);
  });

  it('a sparse entry count set huge', () => {
    for (const name of ['sparse-f32-fixed', 'sparse-cb-huffman']) {
      const f = file(name);
      const t = readTensors(f.bytes, readContainer(f.bytes)).find((x) => x.name === 'fc0.weight')!;
      // Blob: u8 gapBits, u8 value encoding, u32 entries.
      for (const v of [0xffffffff, 0x7fffffff, t.size + 1])
        expectRejected(
          fixUp(setU32(f.bytes, t.start + 2, v)),
          new RegExp(`${v} entries for ${t.size} weights`),
        );
      // Within the weight count, but more entries than the streams hold.
      expectRejected(fixUp(setU32(f.bytes, t.start + 2, t.size)), /cannot hold|needs \d+ bytes/);
    }
  });

  it('an over-subscribed Huffman code-length table', () => {
    for (const [name, stream] of [
      ['codebook-huffman', 'index'],
      ['sparse-f32-huffman', 'gaps'],
    ] as const) {
      const f = file(name);
      const t = readTensors(f.bytes, readContainer(f.bytes)).find((x) => x.name === 'fc0.weight')!;
      const s = t[stream]!;
      const b = f.bytes.slice();
      // Every symbol gets a 1-bit code: Kraft sum alphabet/2 > 1.
      const at = streamHeaderAt(s) + 1;
      b.fill(0x11, at, at + ((s.alphabet + 1) >> 1));
      expectRejected(fixUp(b), /code lengths are over-subscribed/);
    }
  });

  it('a wrong major version names the version', () => {
    const b = file('codebook-fixed').bytes.slice();
    b[4] = 2;
    expectRejected(b, /^mote: header at byte 4: format version 2\.0 is not supported/);
    expectRejected(fixUp(b), /format version 2\.0 is not supported/);
  });

  // Found by the fuzzer (bit flips in META's JSON): run() reads normalization.mean and
  // .std without checking they are arrays, and throws a TypeError.
  it('metadata whose normalization is not {mean, std} arrays', () => {
    const bad: unknown[] = [5, {}, { mean: [0] }, { mean: null, std: [1] }, { mgan: [0], std: [1] }];
    for (const normalization of bad) {
      // Written into META directly: the writer's validator refuses these shapes.
      const json = JSON.stringify({ name: 'bad-norm', normalization });
      const r = runCaseDetailed(
        fixUp(withSection(file('float32').bytes, 'META', new TextEncoder().encode(json))),
      );
      expect(r.outcome, `normalization ${JSON.stringify(normalization)}`).not.toHaveProperty('crash');
    }
  });

  // A sparse tensor's size is not bounded by its blob (few entries, huge dims), so a load
  // that walks every position instead of every entry would hang. Run in a child process
  // with a deadline, since a hung synchronous load cannot be interrupted in-process.
  it('a sparse tensor with huge dims and few entries loads or is rejected in bounded time', () => {
    const unreferenced: Tensor = {
      name: 'u',
      shape: [0xffffffff, 0xffffffff, 1],
      encoding: {
        kind: 'sparse',
        gapBits: 2,
        gaps: Uint8Array.from([0]),
        gapCoding: 'fixed',
        values: { kind: 'float32', data: Float32Array.from([1]) },
      },
    };
    const files = {
      // 2^18 × 2^18 weights: 2 MB of activations, 1 MB row buffer (under the 16 MB limit
      // the child loads with), 6.9e10 positions.
      'dense 2^18 x 2^18': writeMote(sparseGraph(1 << 18, 1 << 18)),
      'unreferenced [2^32-1, 2^32-1, 1]': writeMote(sparseGraph(4, 4, [unreferenced])),
    };
    const model = fileURLToPath(new URL('../../src/runtime/model.ts', import.meta.url));
    const script =
      `import { load } from ${JSON.stringify(model)};\n` +
      `const b = Uint8Array.from(Buffer.from(process.argv[1], 'hex'));\n` +
      `try { load(b, { plan: 'stream', memoryLimit: ${16 << 20} }); console.log('ok'); }\n` +
      `catch (e) { console.log(e instanceof Error && e.message.startsWith('mote: ') ? 'rejected' : 'crash ' + e); }\n`;
    const results: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, hex(bytes)],
        { timeout: 3000, encoding: 'utf8' },
      );
      results[name] = r.error || r.signal ? `timed out after 3 s (${r.signal ?? r.error})` : r.stdout.trim();
    }
    console.log('huge sparse tensors, stream plan:', results);
    for (const [name, outcome] of Object.entries(results)) expect(outcome, name).toMatch(/^(ok|rejected)$/);
  }, 20000);
});

// Keeps `signature` exercised for readable failure output in fuzz-main.
describe('crash signatures', () => {
  it('name the exception and the top source frame', () => {
    const s = signature('run(stream): TypeError: x\n    at run (/w/src/runtime/model.ts:306:54)\n');
    expect(s).toBe('run(stream): TypeError: x @ src/runtime/model.ts:306');
  });
});
