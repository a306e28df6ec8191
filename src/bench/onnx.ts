// `npm run bench:onnx`: ONNX import conformance (every case of thirdparty/
// onnx-backend, pass/fail with the worst error) and parity with onnxruntime-web on three
// opset-13 models before and after compression: sizes, agreement and time per inference.
// Writes the "onnx" section of docs/BENCHMARKS.md.
import { caseNames, runCase, RTOL, ATOL } from '../import/onnx/conformance.js';
import { importOnnxModel } from '../import/onnx/import.js';
import { runBatched } from '../import/onnx/batch.js';
import { onnxReference } from '../reference/onnxruntime.js';
import { agreement } from '../reference/agreement.js';
import { exportPatterns, matmulMlp, mobileCnn, normalizedMlp, opsZoo } from '../reference/onnx-models.js';
import { compressGraph, type CompressOptions } from '../compress/pipeline.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';
import { mulberry32 } from '../data/prng.js';
import * as os from 'node:os';
import { provenance, writeBenchSection } from './report.js';

const COMMAND = 'npm run bench:onnx';
const SAMPLES = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeMs(f: () => unknown | Promise<unknown>, reps: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const names = caseNames();
const rows = names.map((n) => {
  const r = runCase(n);
  const result = r.pass ? 'pass' : 'fail';
  const detail = r.error
    ? r.error.replace(/^mote: [^:]+: /, '').replace(/\|/g, '/')
    : r.worst.toExponential(1);
  return `| ${n} | ${result} | ${detail} |`;
});
const passed = rows.filter((r) => r.includes('| pass |')).length;

const COMPRESSIONS: [string, CompressOptions][] = [
  ['float32', {}],
  ['int8 per channel', { quantize: 'int8' }],
  ['6-bit clusters', { clusterBits: 6 }],
];
const parity: string[] = [];
for (const make of [mobileCnn, matmulMlp, opsZoo, exportPatterns, normalizedMlp]) {
  const m = make();
  const imp = importOnnxModel(m.bytes, `${make.name}.onnx`);
  const ref = await onnxReference(m.bytes, [m.input]);
  const rand = mulberry32(17);
  const n = m.input.reduce((a, b) => a * b, 1);
  const xs = Array.from({ length: SAMPLES }, () => Float32Array.from({ length: n }, () => rand() * 2 - 1));
  const want: Float32Array[] = [];
  for (const x of xs) want.push((await ref.run([x]))[0]);
  const ortMs = await timeMs(() => ref.run([xs[0]]), 200);
  for (const [label, opts] of COMPRESSIONS) {
    const file = writeMote(compressGraph(imp.graph, opts));
    const model = load(file);
    const { maxAbs, agree } = agreement(model, imp, xs, want);
    const moteMs = await timeMs(() => runBatched(model, imp, [xs[0]]), 200);
    parity.push(
      `| ${make.name} | ${label} | ${m.bytes.length} | ${file.length} | ${maxAbs.toExponential(1)} | ${agree}/${SAMPLES} | ${moteMs.toFixed(3)} | ${ortMs.toFixed(3)} |`,
    );
  }
  await ref.release();
}

const markdown = `## ONNX import: conformance and onnxruntime-web parity

${provenance(COMMAND)}

**Conformance**: ${passed} of ${names.length} ONNX backend cases (thirdparty/onnx-backend)
pass through import → .mote → runtime (stream plan) within rtol ${RTOL} / atol ${ATOL}; the
others fail with the reason shown. "worst" is the largest |got − want| − rtol·|want|.

| case | result | worst, or why not |
|---|---|---|
${rows.join('\n')}

**Parity with onnxruntime-web** (wasm backend, 1 thread) on ${SAMPLES} seeded random inputs
per model (models built by src/reference/onnx-models.ts, opset 13): mobileCnn is a
MobileNet-style CNN on 3×32×32 (conv + batch norm + relu, depthwise-separable blocks with
relu6, pools, Gemm, softmax); matmulMlp an MLP as MatMul + Add with LeakyRelu, Sigmoid and
LogSoftmax; opsZoo the remaining ops (PRelu, Elu, Selu, Concat, dilated MaxPool, Pad,
AveragePool with count_include_pad, broadcast Mul/Add, Tanh, Softplus, Transpose,
ReduceMean); exportPatterns what exporters add around them on a 1-D signal (int8 weights
behind DequantizeLinear, auto_pad SAME, ceil_mode pools, Unsqueeze, PyTorch's
Shape → Gather → Unsqueeze → Concat → Reshape view); normalizedMlp a tabular classifier
(Sub/Div input normalization, Linear + BatchNorm1d + ReLU, Linear, Softmax). max |Δ| compares with onnxruntime's outputs of the original float model;
ms are medians of 200 single-sample runs (mote in Node, stream plan, imported layout
transposes included); the machine's 1-minute load average was ${os.loadavg()[0].toFixed(1)} when this ran
(timings on a loaded machine are slower and noisier; the latency bench is the place for speed).

| model | mote weights | .onnx bytes | .mote bytes | max \\|Δ\\| vs onnxruntime | top-1 agreement | mote ms | onnxruntime ms |
|---|---|---|---|---|---|---|---|
${parity.join('\n')}
`;
writeBenchSection('onnx', markdown);
console.log(markdown);
