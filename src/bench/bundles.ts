// npm run bench:bundles: the runtime bundle of each committed model (mote bundle) against the
// generic one: bytes minified and gzipped for Bangle.js 2 and for Kaluma on the Pico, the ops
// each holds; what evaluating it takes on the Bangle.js 2 firmware (variables); whether the
// model loads on the Bangle.js 1 firmware with its own bundle; and on Kaluma's JerryScript at
// 180 KB, the heap after the bundle and the peak while the model is read from a file, loaded
// and run once, with the outputs against Node's. Writes docs/BENCHMARKS.md "Bundles".
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bootFirmware, type Firmware } from '../../targets/engines/firmware.js';
import { bootJerry } from '../../targets/engines/jerryscript.js';
import { getTarget } from '../../targets/index.js';
import { bundleForModel } from '../build/model-bundle.js';
import { bundleRuntime, sizeReport } from '../build/runtime.js';
import { ROOT } from '../build/paths.js';
import { deviceForm } from '../format/device-form.js';
import { load, run } from '../runtime/model.js';
import { importTfjsLayersFile } from '../import/tfjs/layers.js';
import { compressGraph } from '../compress/pipeline.js';
import { writeMote } from '../format/writer.js';
import { provenance, writeBenchSection } from './report.js';

const COMMAND = 'npm run bench:bundles';
const MODELS = [
  'lenet-300-100/lenet-300-100.mote',
  'lenet-5/lenet-5.mote',
  'distilled-student/distilled.mote',
  'distilled-student/from-labels.mote',
  'distilled-student-conv/distilled.mote',
  'distilled-student-conv/from-labels.mote',
  'deep-exits/deep-exits.mote',
  'lenet-5-exits/lenet-5-exits.mote',
];

interface Size {
  bytes: number;
  gzipBytes: number;
}

interface Row {
  model: string;
  fileBytes: number;
  ops: string[];
  parts: string[];
  bangle2: Size;
  kaluma: Size;
  /** Variables taken by evaluating the model's own bundle on the Bangle.js 2 firmware. */
  bangle2Vars: number | string;
  /** mote.load by Storage name + one run on the Bangle.js 1 firmware: "runs (label N)" or the error. */
  bangle1: string;
  jerry: JerryRow;
}

interface JerryRow {
  /** Heap allocated after evaluating the bundle (after a garbage collection), bytes. */
  afterBundle?: number;
  /** Peak heap from before the load to after one run, bytes. */
  peak?: number;
  /** The fatal error or the runtime's error when it does not fit or fails. */
  error?: string;
  /** max |Δ| of the outputs against Node's. */
  maxDiff?: number;
  sameLabel?: boolean;
}

/** The digits MLP with 3-bit clusters, Huffman-coded (README's `npm start` model). */
async function digitsMlp(): Promise<Uint8Array> {
  const g = await importTfjsLayersFile(path.join(ROOT, 'models/digits-mlp/model.json'));
  return writeMote(compressGraph(g, { clusterBits: 3 }));
}

const firstLine = (s: string) =>
  (s.split('\n').find((l) => l.trim()) ?? s).trim().replace(/\s+at \S+ \(.*\)\s*$/, '');

/** Variables taken by evaluating `js` from Storage on a fresh interpreter. */
function varsForBundle(fw: Firmware, js: string): number | string {
  fw.reset();
  fw.writeFile('mote.js', js);
  const before = fw.memory().free;
  const r = fw.eval('eval(require("Storage").read("mote.js"));print(process.memory().free)', 600_000);
  if (r.error) return `fails: ${firstLine(r.error)}`;
  return before - Number(r.output.trim().split('\n').pop());
}

/** Loads by Storage name with the model's own bundle (device form written by the host), runs once. */
function bangle1Load(fw: Firmware, bytes: Uint8Array, js: string): string {
  fw.reset();
  fw.erase('m.mote.d');
  fw.writeFile('mote.js', js);
  fw.writeFile('m.mote', bytes);
  const form = deviceForm(bytes);
  if (form) fw.writeFile('m.mote.d', form);
  const r = fw.eval(
    'eval(require("Storage").read("mote.js"));var M=mote.load("m.mote");' +
      'var r=mote.run(M,new Float32Array(M.graph.values[M.graph.inputs[0]].size));print(r.label)',
    600_000,
  );
  if (r.error) return `refused: ${firstLine(r.error)}`;
  return `runs (label ${r.output.trim().split('\n').pop()})`;
}

function onJerry(bytes: Uint8Array, js: string): JerryRow {
  const e = bootJerry({ heapKB: 180 });
  try {
    const row: JerryRow = {};
    const b = e.eval(js);
    if (b.error) return { error: firstLine(b.error) };
    row.afterBundle = e.memory(true).allocated;
    e.writeFile('m.mote', bytes);
    e.resetPeak();
    const r = e.eval(
      'var fs=require("fs");var M=mote.load(fs.readFile("m.mote"));' +
        'var y=mote.run(M,new Float32Array(M.graph.values[M.graph.inputs[0]].size)),o=y.outputs[0],a=[];' +
        'for(var i=0;i<o.length;i++)a.push(o[i]);print(JSON.stringify({l:y.label,o:a}))',
      600_000,
    );
    row.peak = e.memory().peak;
    if (r.error) return { ...row, error: firstLine(r.error) };
    const got = JSON.parse(r.output) as { l: number; o: number[] };
    const m = load(bytes);
    const want = run(m, new Float32Array(m.graph.values[m.graph.inputs[0]].size));
    row.maxDiff = Math.max(...got.o.map((v, i) => Math.abs(v - want.outputs[0][i])));
    row.sameLabel = got.l === want.label;
    return row;
  } finally {
    e.close();
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const num = (n: number) => n.toLocaleString('en-US');
const cell = (s: string) => s.replace(/\|/g, '/');

async function main(): Promise<void> {
  const t0 = Date.now();
  const bangle2 = getTarget('banglejs2');
  const bangle1 = getTarget('banglejs1');
  const kaluma = getTarget('kaluma-pico');
  const generic = await bundleRuntime();
  const genericSize = sizeReport(generic);
  const models: [string, Uint8Array][] = [['digits-mlp (3-bit clusters)', await digitsMlp()]];
  for (const f of MODELS) models.push([f, new Uint8Array(readFileSync(path.join(ROOT, 'models', f)))]);

  const fw2 = await bootFirmware('banglejs2');
  const fw1 = await bootFirmware('banglejs1');
  const versions = { firmware: fw2.version, jerry: '' };
  const genericVars = varsForBundle(fw2, generic);
  console.log(`generic: ${JSON.stringify(genericSize)}, ${genericVars} vars on banglejs2`);
  const rows: Row[] = [];
  try {
    for (const [name, bytes] of models) {
      const b2 = bundleForModel(bytes, { target: bangle2 });
      const b1 = bundleForModel(bytes, { target: bangle1 });
      const k = bundleForModel(bytes, { target: kaluma });
      const row: Row = {
        model: name,
        fileBytes: bytes.length,
        ops: k.ops,
        parts: [...new Set([...b2.parts, ...k.parts])],
        bangle2: sizeReport(b2.source),
        kaluma: sizeReport(k.source),
        bangle2Vars: varsForBundle(fw2, b2.source),
        bangle1: bangle1Load(fw1, bytes, b1.source),
        jerry: onJerry(bytes, k.source),
      };
      console.log(JSON.stringify({ ...row, s: ((Date.now() - t0) / 1000).toFixed(0) }));
      rows.push(row);
    }
  } finally {
    fw2.close();
    fw1.close();
  }
  const j = bootJerry();
  versions.jerry = j.version;
  const heapSize = j.memory().heapSize;
  j.close();

  const sizes = [
    '| model | file | ops in its bundle | banglejs2 min | gzip | kaluma-pico min | gzip | vars to eval (banglejs2) |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    `| generic bundle (every kernel) | | all | ${num(genericSize.bytes)} | ${num(genericSize.gzipBytes)} | | | ${typeof genericVars === 'number' ? num(genericVars) : cell(genericVars)} |`,
    ...rows.map(
      (r) =>
        `| ${r.model} | ${kb(r.fileBytes)} | ${r.ops.join(', ')}${r.parts.length ? ` (+ ${r.parts.join(', ')})` : ''} | ` +
        `${num(r.bangle2.bytes)} | ${num(r.bangle2.gzipBytes)} | ${num(r.kaluma.bytes)} | ${num(r.kaluma.gzipBytes)} | ` +
        `${typeof r.bangle2Vars === 'number' ? num(r.bangle2Vars) : cell(r.bangle2Vars)} |`,
    ),
  ];
  const devices = [
    '| model | Bangle.js 1: mote.load by name + one run | JerryScript 180 KB: heap after bundle | peak heap, load + run | vs Node |',
    '|---|---|---:|---:|---|',
    ...rows.map((r) => {
      const jr = r.jerry;
      const after = jr.afterBundle === undefined ? '–' : num(jr.afterBundle);
      const peak = jr.peak === undefined ? '–' : num(jr.peak);
      const vs = jr.error
        ? `does not fit: ${cell(jr.error)}`
        : `${jr.sameLabel ? 'same label' : 'LABEL DIFFERS'}, max \\|Δ\\| ${jr.maxDiff!.toExponential(1)}`;
      return `| ${r.model} | ${cell(r.bangle1)} | ${after} | ${peak} | ${vs} |`;
    }),
  ];
  const md = [
    '## Bundles: the runtime for each model alone, against the generic bundle',
    '',
    provenance(COMMAND),
    '',
    `Engines: the Bangle.js 2 and Bangle.js 1 firmware, **Espruino ${versions.firmware}**, compiled to ` +
      'JavaScript (targets/engines/firmware.ts); **' +
      versions.jerry +
      '** (targets/engines/jerryscript.ts; wasm in Node, heap figures a few KB below a real ' +
      "Kaluma's, which holds its boot code too).",
    '',
    "Bundle bytes: `mote bundle model.mote --target T` (`bundleForModel`), the model's own runtime: only " +
      "the kernels of its ops, the int8 and exits parts when it uses them, Espruino's Storage path " +
      '(flash) only for Espruino targets; minified, and gzipped at level 9 (`sizeReport`). The generic ' +
      'bundle (`bundleRuntime()`, every kernel, no int8 kernels) is the same for every target. "vars to ' +
      'eval": `process.memory().free` on a fresh interpreter (`reset()`) less free after ' +
      '`eval(require("Storage").read("mote.js"))` on the Bangle.js 2 firmware (12,000 variables of 14 bytes).',
    '',
    ...sizes,
    '',
    'Bangle.js 1 (2,500 variables of 13 bytes): the model and its device form (decoded on the host, ' +
      "as `mote flash` writes it) in Storage, the model's own banglejs1 bundle evaluated from Storage, " +
      '`mote.load("m.mote")` and one run on zeros: the label, or the first line of the error. ' +
      "JerryScript at 180 KB: the model's own kaluma-pico bundle evaluated, heap allocated after a " +
      'garbage collection; then `mote.load(require("fs").readFile("m.mote"))` and one `mote.run` on ' +
      "zeros of the model's input size, with the peak heap from before that step (`resetPeak()`; " +
      `for a model that does not fit, the peak up to the failure; the usable heap is ${num(heapSize)} bytes); a ` +
      "fatal out-of-memory (on Kaluma the board restarts) or the runtime's refusal means it does not " +
      'fit. "vs Node": the outputs against the same runtime\'s on Node (`load`/`run`).',
    '',
    ...devices,
    '',
  ].join('\n');
  writeBenchSection('bundles', md);
  console.log(md);
  console.log(`took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

void main();
