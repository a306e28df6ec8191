// `npm run bench`: sizes, accuracy, latency and memory of the example model under each
// post-training encoding, in Node and in the emulated engines; writes docs/BENCHMARKS.md.
import * as path from 'node:path';
import { importTfjsLayersFile } from '../import/tfjs/layers.js';
import { writeMote } from '../format/writer.js';
import { compressGraph, type CompressOptions } from '../compress/pipeline.js';
import { load } from '../runtime/model.js';
import { loadDigits } from '../data/digits.js';
import { evaluate } from '../evaluate.js';
import { ROOT } from '../build/paths.js';
import { bundleRuntime, sizeReport } from '../build/runtime.js';
import { runtimeFor } from '../build/model-bundle.js';
import { getTarget, DEFAULT_TARGET } from '../../targets/index.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { table, kb } from '../cli/table.js';
import { provenance, writeBenchSection } from './report.js';

const RECIPES: [string, CompressOptions][] = [
  ['float32', {}],
  ['int8 per neuron', { quantize: 'int8' }],
  ['5-bit clusters, Huffman', { clusterBits: 5 }],
  ['3-bit clusters, Huffman', { clusterBits: 3 }],
  ['3-bit clusters, fixed width', { clusterBits: 3, coding: 'fixed' }],
  ['prune 50%, 4-bit clusters, 3-bit gaps, Huffman', { prune: 0.5, clusterBits: 4, gapBits: 3 }],
  ['binary (sign × row scale)', { quantize: 'binary' }],
];
/** Digits run inside the emulated engines, which are ~30-50× slower than Node. */
const ENGINE_DIGITS = 100;

const graph = await importTfjsLayersFile(path.join(ROOT, 'models/digits-mlp/model.json'));
const test = loadDigits('test');
const size = test.features.length / test.count;
const inputs = Array.from({ length: ENGINE_DIGITS }, (_, i) =>
  test.features.subarray(i * size, (i + 1) * size),
);
const bundle = await bundleRuntime(true);
const target = getTarget(DEFAULT_TARGET);
const rows: (string | number)[][] = [];
let floatBytes = 0;
for (const [name, recipe] of RECIPES) {
  const bytes = writeMote(compressGraph(graph, recipe));
  floatBytes ||= bytes.length;
  const stream = load(bytes);
  const cache = load(bytes, { plan: 'cache' });
  const es = evaluate(stream, test);
  const ec = evaluate(cache, test);
  // The emulator holds the file in the engine's heap (a watch maps it from flash), so a
  // large file can run out of emulated memory: that is reported, not hidden.
  // Under the watch's memory limit, the runtime a watch gets: this model's own bundle.
  const own = runtimeFor(bytes, target);
  const q = await runInQuickJS(own, bytes, inputs, { memoryLimitBytes: target.emulatorMemoryBytes }).then(
    (r) => r.msPerInference.toFixed(2),
    (e: Error) => (/out of memory/.test(e.message) ? 'out of memory' : Promise.reject(e)),
  );
  const d = await runInDuktape(bundle, bytes, inputs);
  process.stderr.write(`${name}: done\n`);
  rows.push([
    name,
    bytes.length,
    `${(floatBytes / bytes.length).toFixed(1)}x`,
    `${(es.accuracy * 100).toFixed(2)}%`,
    es.msPerInference.toFixed(3),
    ec.msPerInference.toFixed(3),
    q,
    d.msPerInference.toFixed(2),
    kb(stream.memory.peak),
    kb(cache.memory.peak),
  ]);
}
const rt = sizeReport(bundle);
const md = `## Foundation: the runtime and the example model

${provenance('npm run bench')} (src/bench/foundation.ts)
Timings are wall-clock means over the runs stated; they vary by a few percent between runs.

### Runtime bundle

\`dist/mote-runtime.min.js\`: **${rt.bytes} bytes** minified, ${rt.gzipBytes} bytes gzipped (ES5, no dependencies).

### The example model under each post-training encoding

models/digits-mlp (784-64-32-10, ${graph.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0)} parameters), no fine-tuning.
Accuracy over the 2,000 held-out digits, run by mote's runtime in Node. Node latency is
the mean over those 2,000 digits with the \`stream\` plan (weights decoded from the file
row by row at every inference) and the \`cache\` plan (decoded once at load). QuickJS
(with the ${target.name} memory limit, ${kb(target.emulatorMemoryBytes)}) runs each model's own bundle (\`mote bundle\`, what
\`mote flash\` installs) and Duktape the generic minified bundle, on
${ENGINE_DIGITS} digits, \`stream\` plan. RAM is what the runtime allocates (activations,
resident weights, the row buffer), not the engine's own heap. The QuickJS heap also
holds the bundle, the model file and the harness (on a watch the file stays in flash),
so a large file can exhaust the emulated heap.

\`\`\`
${table(['encoding', 'bytes', 'vs float32', 'accuracy', 'Node ms (stream)', 'Node ms (cache)', 'QuickJS ms', 'duk ms', 'RAM (stream)', 'RAM (cache)'], rows)}
\`\`\`

Raw float32 weights are read in place from the file's bytes, so the float32 model needs
no weight RAM in either plan. Huffman decoding costs time at every inference in the
\`stream\` plan: it is the plan for devices where RAM, not time, is short.
`;
writeBenchSection('foundation', md);
console.log(md);
