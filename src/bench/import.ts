// `npm run bench:import`: each shared model's original size against its .mote, and how
// closely mote's outputs agree with the reference executor (TFLite's WebAssembly build;
// for person_detect, which that build refuses, upstream's expected decisions).
// Writes the "import" section of docs/BENCHMARKS.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { importTflite } from '../import/tflite/import.js';
import { importOnnx } from '../import/onnx/import.js';
import { writeMote } from '../format/writer.js';
import { compressGraph } from '../compress/pipeline.js';
import { load, run, type Model } from '../runtime/model.js';
import { loadTfliteReference, type TfliteReference } from '../reference/tflite.js';
import { mulberry32 } from '../data/prng.js';
import type { Graph, Requantize } from '../ir/types.js';
import { ONNX_BACKEND_DIR } from '../build/paths.js';
import { personDetectInput, TFLITE_DIR } from './tflite-models.js';
import { provenance, writeBenchSection } from './report.js';

const COMMAND = 'npm run bench:import';

/** Agreement of int8 outputs: exact-equality rate and largest difference in quantization steps. */
interface Agreement {
  exact: number;
  maxSteps: number;
  n: number;
  differ: number;
  total: number;
}

function compare(pairs: [ArrayLike<number>, ArrayLike<number>][]): Agreement {
  let same = 0;
  let total = 0;
  // Counted so a rate that rounds to 100 % still shows its misses.
  let maxSteps = 0;
  for (const [a, b] of pairs)
    for (let i = 0; i < a.length; i++) {
      total++;
      if (a[i] === b[i]) same++;
      maxSteps = Math.max(maxSteps, Math.abs(a[i] - b[i]));
    }
  return { exact: same / total, maxSteps, n: pairs.length, differ: total - same, total };
}

function describe(a: Agreement): string {
  const steps = `${a.maxSteps} step${a.maxSteps === 1 ? '' : 's'}`;
  return `${(100 * a.exact).toFixed(2)} % equal (${a.differ} of ${a.total} outputs differ, by at most ${steps}; ${a.n} inputs)`;
}

function randomInt8(n: number, rand: () => number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Seeded random int8 inputs, plus constant and ramp inputs (the structured cases). */
function int8Inputs(g: Graph, count: number, seed: number): Int8Array[][] {
  const rand = mulberry32(seed);
  const sets: Int8Array[][] = [];
  for (let k = 0; k < count; k++) sets.push(g.inputs.map((v) => randomInt8(sizeOf(v.shape), rand)));
  for (const c of [-128, 0, 127]) sets.push(g.inputs.map((v) => new Int8Array(sizeOf(v.shape)).fill(c)));
  sets.push(g.inputs.map((v) => Int8Array.from({ length: sizeOf(v.shape) }, (_, i) => (i % 256) - 128)));
  return sets;
}

function int8Agreement(ref: TfliteReference, m: Model, inputs: Int8Array[][]): Agreement {
  return compare(inputs.map((x) => [ref.run(x)[0], run(m, x).quantized[0]!]));
}

interface Row {
  model: string;
  original: number;
  mote: number;
  agreement: string;
}

function moteOf(bytes: Uint8Array, name: string, requantize: Requantize): { g: Graph; mote: Uint8Array } {
  const g = importTflite(bytes, { requantize, name }, name);
  return { g, mote: writeMote(g) };
}

const rows: Row[] = [];
const notes: string[] = [];

// hello_world float: the sine curve on [0, 2π].
{
  const name = 'hello_world_float.tflite';
  const bytes = readFileSync(path.join(TFLITE_DIR, name));
  const { mote } = moteOf(bytes, name, 'fixed-point');
  const ref = await loadTfliteReference(bytes, name);
  const m = load(mote);
  let worst = 0;
  for (let i = 0; i < 1000; i++) {
    const x = Float32Array.of((i / 999) * 2 * Math.PI);
    worst = Math.max(worst, Math.abs(ref.run([x])[0][0] - run(m, x).outputs[0][0]));
  }
  ref.dispose();
  rows.push({
    model: name,
    original: bytes.length,
    mote: mote.length,
    agreement: `largest difference ${worst.toExponential(1)} over 1000 x in [0, 2π]`,
  });
}

// The int8 models with a working reference: both requantisation modes.
for (const [name, count] of [
  ['hello_world_int8.tflite', 0],
  ['micro_speech_quantized.tflite', 200],
  ['simple_add_model.tflite', 20],
] as [string, number][]) {
  const bytes = readFileSync(path.join(TFLITE_DIR, name));
  const ref = await loadTfliteReference(bytes, name);
  const parts: string[] = [];
  let moteBytes = 0;
  for (const mode of ['fixed-point', 'float32'] as Requantize[]) {
    const { g, mote } = moteOf(bytes, name, mode);
    moteBytes = mote.length;
    // hello_world has one int8 input: every value is tried.
    const inputs =
      count === 0 ? Array.from({ length: 256 }, (_, q) => [Int8Array.of(q - 128)]) : int8Inputs(g, count, 1);
    parts.push(`${mode}: ${describe(int8Agreement(ref, load(mote), inputs))}`);
  }
  ref.dispose();
  rows.push({ model: name, original: bytes.length, mote: moteBytes, agreement: parts.join('; ') });
}

// person_detect: TFLite's WebAssembly build refuses it, so the reference is upstream's decision.
{
  const name = 'person_detect.tflite';
  const bytes = readFileSync(path.join(TFLITE_DIR, name));
  let refused = '';
  await loadTfliteReference(bytes, name).catch((e: Error) => (refused = e.message.split(';')[0]));
  const { mote } = moteOf(bytes, name, 'fixed-point');
  const m = load(mote);
  const scores = (img: string) =>
    run(m, personDetectInput(readFileSync(path.join(TFLITE_DIR, img)), img)).quantized[0]!;
  const p = scores('person.bmp');
  const n = scores('no_person.bmp');
  const ok = p[1] > p[0] && n[0] > n[1];
  rows.push({
    model: name,
    original: bytes.length,
    mote: mote.length,
    agreement:
      `upstream's decision ${ok ? 'reproduced' : 'NOT reproduced'}: person.bmp [no person ${p[0]}, person ${p[1]}], ` +
      `no_person.bmp [${n[0]}, ${n[1]}] (int8 scores)`,
  });
  notes.push(
    `person_detect: TFLite's WebAssembly build refuses it ("${refused.replace(/^TFLite reference cannot load [^:]+: (ERROR: )?/, '').replace(/\.$/, '')}"): ` +
      "its TFLite predates per-channel quantization on axis 3 (depthwise filters), so the reference is upstream's expected decision, " +
      "on the test images fed as upstream's test does (the BMP bytes, top row first, as int8).",
  );
}

// Compressing the already-int8 weights further: int8 levels shared per tensor (k-means
// over the int8 values), Huffman-coded; `--cluster 8` keeps every value (lossless).
const compressed: string[] = [];
for (const name of ['hello_world_int8.tflite', 'micro_speech_quantized.tflite', 'person_detect.tflite']) {
  const bytes = readFileSync(path.join(TFLITE_DIR, name));
  const g = importTflite(bytes, { requantize: 'float32', name }, name);
  const base = load(writeMote(g));
  const person = name === 'person_detect.tflite';
  const ref = person ? null : await loadTfliteReference(bytes, name);
  const inputs = name.startsWith('hello')
    ? Array.from({ length: 256 }, (_, q) => [Int8Array.of(q - 128)])
    : int8Inputs(g, person ? 8 : 200, 2);
  for (const bits of [undefined, 8, 6, 5, 4]) {
    const mote = writeMote(bits === undefined ? g : compressGraph(g, { clusterBits: bits }));
    const m = load(mote);
    const recipe =
      bits === undefined
        ? 'raw int8 (as imported)'
        : bits === 8
          ? 'Huffman, lossless (`--cluster 8`)'
          : `${1 << bits} levels, Huffman (\`--cluster ${bits}\`)`;
    const vsBase = describe(
      compare(inputs.map((x) => [run(base, x).quantized[0]!, run(m, x).quantized[0]!])),
    );
    let vsRef: string;
    if (ref) vsRef = describe(int8Agreement(ref, m, inputs));
    else {
      const p = run(m, personDetectInput(readFileSync(path.join(TFLITE_DIR, 'person.bmp')))).quantized[0]!;
      const n = run(m, personDetectInput(readFileSync(path.join(TFLITE_DIR, 'no_person.bmp')))).quantized[0]!;
      const ok = p[1] > p[0] && n[0] > n[1];
      vsRef = `decision ${ok ? 'kept' : 'LOST'}: person.bmp [${p[0]}, ${p[1]}], no_person.bmp [${n[0]}, ${n[1]}]`;
    }
    compressed.push(
      `| ${name} | ${recipe} | ${mote.length} | ${(mote.length / bytes.length).toFixed(2)} | ${vsRef} | ${vsBase} |`,
    );
  }
  ref?.dispose();
}

// keyword_scrambled_8bit: not imported (int16 input, SVDF); say why.
{
  const name = 'keyword_scrambled_8bit.tflite';
  const bytes = readFileSync(path.join(TFLITE_DIR, name));
  let why = '';
  try {
    importTflite(bytes, {}, name);
  } catch (e) {
    why = (e as Error).message;
  }
  rows.push({ model: name, original: bytes.length, mote: 0, agreement: `not imported: ${why}` });
  // Nor is TFLite's own answer usable here: measured, not assumed.
  const ref = await loadTfliteReference(bytes, name);
  const rand = mulberry32(4);
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++)
    seen.add(String(ref.run([Int16Array.from({ length: 96 }, () => Math.floor(rand() * 65536) - 32768)])[0]));
  let freeFails = '';
  try {
    ref.dispose();
  } catch (e) {
    freeFails = (e as Error).message;
  }
  notes.push(
    `keyword_scrambled_8bit: int16 input, int32 output, SVDF ops whose variable state tensors are int8 ` +
      `(TFLite's integer SVDF keeps int16 state). TFLite's WebAssembly build gives ${seen.size} distinct ` +
      `output(s) for 20 random inputs (${[...seen].slice(0, 3).join(' / ')})` +
      (freeFails ? `, and freeing the model then fails ("${freeFails}"): its heap is corrupted` : '') +
      ', so it is no reference for this model.',
  );
}

// The ONNX backend cases: sizes only (their pass/fail is test/import/onnx-conformance.test.ts).
const onnxDir = ONNX_BACKEND_DIR;
const onnxRows: string[] = [];
let onnxIn = 0;
let onnxOut = 0;
for (const c of readdirSync(onnxDir).sort()) {
  const file = path.join(onnxDir, c, 'model.onnx');
  if (!existsSync(file)) continue;
  const bytes = readFileSync(file);
  try {
    const mote = writeMote(importOnnx(bytes, `${c}/model.onnx`));
    onnxIn += bytes.length;
    onnxOut += mote.length;
    onnxRows.push(`| ${c} | ${bytes.length} | ${mote.length} |`);
  } catch (e) {
    onnxRows.push(
      `| ${c} | ${bytes.length} | — (${(e as Error).message.replace(/\|/g, '/').slice(0, 90)}) |`,
    );
  }
}

const md = `## Imported models: size and agreement with the reference

${provenance(COMMAND)}

Each shared TFLite Micro model imported into .mote (weights stay int8, biases int32,
activations int8 where the model's are), against its original file. Agreement is with
TFLite itself, run from its WebAssembly build in @tensorflow/tfjs-tflite
(src/reference/tflite.ts), on the same int8 inputs: seeded random inputs plus constant
(−128, 0, 127) and ramp inputs. "fixed-point" requantises as TFLite's reference kernels
and TFLite Micro do; "float32" as XNNPACK, which that WebAssembly build delegates some
ops to (\`mote compile --requantize\`).

| model | .tflite bytes | .mote bytes | .mote / .tflite | agreement with the reference |
|---|---:|---:|---:|---|
${rows
  .map(
    (r) =>
      `| ${r.model} | ${r.original} | ${r.mote || '—'} | ${r.mote ? (r.mote / r.original).toFixed(2) : '—'} | ${r.agreement} |`,
  )
  .join('\n')}

${notes.join('\n')}

### Compressing the int8 weights further

The int8 weights of each model shared through fewer int8 levels per tensor (k-means over
the int8 values) and Huffman-coded (the int8-stream encoding, docs/FORMAT.md); the int8
kernels decode one row per run in the \`stream\` plan. Requantisation float32, so the
uncompressed model equals the reference and every difference is the compression's.
Agreement with the uncompressed .mote uses the same inputs (person_detect: 8 random
and 4 structured images).

| model | weights | .mote bytes | .mote / .tflite | agreement with the reference | agreement with the uncompressed .mote |
|---|---|---:|---:|---|---|
${compressed.join('\n')}

ONNX backend cases (thirdparty/onnx-backend) imported to .mote: ${onnxIn} bytes of
.onnx became ${onnxOut} bytes of .mote over the cases that import.

| case | .onnx bytes | .mote bytes |
|---|---:|---:|
${onnxRows.join('\n')}
`;

writeBenchSection('import', md);
console.log(md);
