// Parity with onnxruntime-web (wasm backend, one thread): the original .onnx files and
// mote's import of them, on the same seeded random inputs, before and after compression.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { onnxReference } from '../../src/reference/onnxruntime.js';
import { agreement } from '../../src/reference/agreement.js';
import { importOnnxModel, type OnnxImport } from '../../src/import/onnx/import.js';
import { runBatched } from '../../src/import/onnx/batch.js';
import { writeMote } from '../../src/format/writer.js';
import { compressGraph, type CompressOptions } from '../../src/compress/pipeline.js';
import { load } from '../../src/runtime/model.js';
import { mulberry32 } from '../../src/data/prng.js';
import { ATOL, caseNames, ONNX_BACKEND, RTOL } from '../../src/import/onnx/conformance.js';
import {
  exportPatterns,
  matmulMlp,
  mobileCnn,
  normalizedMlp,
  opsZoo,
  qdqActivations,
} from '../../src/reference/onnx-models.js';

/**
 * Backend cases whose opset-6 ops onnxruntime-web 1.30 has no kernel for ("Could not find
 * an implementation for AveragePool(1) / BatchNormalization(6) / Gemm(6) / PRelu(6) /
 * Add(6)"); their reference is the ONNX test vectors (onnx-conformance.test.ts), and the
 * same ops at opset 13 are checked here in the models of onnx-models.ts.
 */
const ORT_CANNOT_RUN =
  /^test_(AvgPool2d|AvgPool2d_stride|BatchNorm1d_3d_input_eval|BatchNorm2d_eval|BatchNorm2d_momentum_eval|Linear|PReLU_1d|PReLU_2d|PReLU_2d_multiparam|operator_addmm|operator_mm)$/;
/** Cases mote refuses (see onnx-conformance.test.ts). */
const MOTE_REFUSES = /^test_operator_(add_broadcast|basic|params)$/;

function randomInputs(imp: OnnxImport, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  return imp.inputs.map((b) =>
    Float32Array.from({ length: b.shape.reduce((a, d) => a * d, 1) }, () => rand() * 4 - 2),
  );
}

/** Largest |mote − ort| − rtol·|ort| over all outputs. */
function worstError(got: Float32Array[], want: Float32Array[]): number {
  let worst = -Infinity;
  want.forEach((w, k) => {
    expect(got[k].length).toBe(w.length);
    for (let i = 0; i < w.length; i++)
      worst = Math.max(worst, Math.abs(got[k][i] - w[i]) - RTOL * Math.abs(w[i]));
  });
  return worst;
}

describe('onnxruntime-web parity: ONNX backend models on random inputs', () => {
  const cases = caseNames().filter((n) => !ORT_CANNOT_RUN.test(n) && !MOTE_REFUSES.test(n));
  it('covers the cases onnxruntime-web can run', () => expect(cases.length).toBeGreaterThanOrEqual(38));
  for (const name of cases) {
    it(name, async () => {
      const bytes = readFileSync(`${ONNX_BACKEND}${name}/model.onnx`);
      const imp = importOnnxModel(bytes, name);
      const ref = await onnxReference(
        bytes,
        imp.inputs.map((b) => b.shape),
      );
      const model = load(writeMote(imp.graph));
      // Two random draws; one for the two big cases (a 1000×1000 pool, 20 images of 16×50×40).
      const big = imp.inputs[0].shape.reduce((x, d) => x * d, 1) > 100_000;
      for (const seed of big ? [1] : [1, 2]) {
        const xs = randomInputs(imp, seed);
        expect(worstError(runBatched(model, imp, xs), await ref.run(xs))).toBeLessThanOrEqual(ATOL);
      }
      await ref.release();
    });
  }
});

/** Compression settings, and the agreement each must keep with the float model in onnxruntime. */
const COMPRESSIONS: { name: string; opts: CompressOptions; maxAbs: number; top1: number }[] = [
  { name: 'float32', opts: {}, maxAbs: 1e-5, top1: 1 },
  // int8 per output channel: every output within 0.02 (probabilities or log-probabilities).
  { name: 'int8 per channel', opts: { quantize: 'int8' }, maxAbs: 0.02, top1: 0.95 },
  // 6-bit k-means clusters, Huffman-coded: within 0.05, top-1 class kept on 85 % of inputs.
  { name: '6-bit clusters', opts: { clusterBits: 6 }, maxAbs: 0.05, top1: 0.85 },
];

describe('onnxruntime-web parity: opset-13 models, before and after compression', () => {
  for (const make of [mobileCnn, matmulMlp, opsZoo, exportPatterns, normalizedMlp]) {
    it(`${make.name}: every op imported, outputs agree in every compression`, async () => {
      const { bytes, input } = make();
      const imp = importOnnxModel(bytes, `${make.name}.onnx`);
      const ref = await onnxReference(bytes, [input]);
      const rand = mulberry32(11);
      const xs = Array.from({ length: 20 }, () =>
        Float32Array.from({ length: input.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1),
      );
      const want = await Promise.all(xs.map(async (x) => (await ref.run([x]))[0]));
      const lines: string[] = [];
      for (const c of COMPRESSIONS) {
        const file = writeMote(compressGraph(imp.graph, c.opts));
        for (const plan of ['stream', 'cache']) {
          const model = load(file, { plan });
          const { maxAbs, agree } = agreement(model, imp, xs, want);
          if (plan === 'stream')
            lines.push(
              `${c.name}: ${file.length} B (onnx ${bytes.length} B), max |Δ| ${maxAbs.toExponential(2)}, top-1 ${agree}/20`,
            );
          expect(maxAbs, `${c.name} (${plan})`).toBeLessThanOrEqual(c.maxAbs);
          expect(agree / xs.length, `${c.name} (${plan})`).toBeGreaterThanOrEqual(c.top1);
        }
      }
      console.log(`${make.name} vs onnxruntime-web:\n  ${lines.join('\n  ')}`);
      await ref.release();
    });
  }

  it('QuantizeLinear → DequantizeLinear on activations: a clip to the integer range, within half a step per pair', async () => {
    const { bytes, input } = qdqActivations();
    const imp = importOnnxModel(bytes, 'qdq.onnx');
    expect(imp.graph.ops.filter((o) => o.op === 'clip')).toHaveLength(2);
    const ref = await onnxReference(bytes, [input]);
    const model = load(writeMote(imp.graph));
    const rand = mulberry32(13);
    let maxAbs = 0;
    for (let k = 0; k < 20; k++) {
      // Inputs large enough that the uint8 pair saturates on some values.
      const x = Float32Array.from({ length: 72 }, () => rand() * 8 - 4);
      const want = (await ref.run([x]))[0];
      const got = runBatched(model, imp, [x])[0];
      for (let i = 0; i < got.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
    }
    // onnxruntime rounds to the 0.02 and 0.01 steps; mote does not. Measured 2.2e-3.
    expect(maxAbs).toBeLessThan(5e-3);
    await ref.release();
  });

  it('batch norms, MatMul biases and dequantized weights fold; relu/relu6 fuse into convs; layouts change only where data moves', () => {
    const cnn = importOnnxModel(mobileCnn().bytes).graph.ops.map((o) => o.op);
    expect(cnn).not.toContain('mul');
    expect(cnn).not.toContain('clip');
    expect(cnn).not.toContain('relu');
    expect(cnn.filter((o) => o === 'transpose')).toHaveLength(1); // the NCHW input only
    // Sub/Div by constants become add/mul; BatchNorm1d after a Gemm folds into it.
    expect(importOnnxModel(normalizedMlp().bytes).graph.ops.map((o) => o.op)).toEqual([
      'add',
      'mul',
      'dense',
      'relu',
      'dense',
      'softmax',
    ]);
    // Int8 weights behind DequantizeLinear fold to float; NCW → NCHW (Unsqueeze) moves no data.
    expect(importOnnxModel(exportPatterns().bytes).graph.ops.map((o) => o.op)).toEqual([
      'reshape',
      'transpose',
      'conv2d',
      'maxpool',
      'reshape',
      'conv2d',
      'sigmoid',
      'avgpool',
      'transpose',
      'reshape',
      'dense',
      'softmax',
    ]);
    expect(importOnnxModel(matmulMlp().bytes).graph.ops.map((o) => o.op)).toEqual([
      'reshape',
      'dense',
      'leakyrelu',
      'dense',
      'sigmoid',
      'dense',
      'logsoftmax',
    ]);
  });
});
