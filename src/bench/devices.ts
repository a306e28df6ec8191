// npm run bench:devices: the committed models on the Bangle.js 2 and Bangle.js 1 firmware
// (Espruino 2v29.74 compiled to JS, targets/engines/firmware.ts), loaded by Storage name as
// README says: first load (the device decodes its device form itself), later loads, time
// per inference, variables left; and the runtime before the flash path, for comparison.
// Writes docs/BENCHMARKS.md "Devices". Emulator times are not watch times.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { build } from 'esbuild';
import * as path from 'node:path';
import { bootFirmware, type Firmware, type FirmwareBoard } from '../../targets/engines/firmware.js';
import { runtimeFor } from '../build/model-bundle.js';
import { getTarget } from '../../targets/index.js';
import { ROOT } from '../build/paths.js';
import { load, run } from '../runtime/model.js';
import { loadDigits } from '../data/digits.js';
import { importTfjsLayersFile } from '../import/tfjs/layers.js';
import { compressGraph } from '../compress/pipeline.js';
import { writeMote } from '../format/writer.js';
import { provenance, writeBenchSection } from './report.js';

interface Row {
  model: string;
  bytes: number;
  board: FirmwareBoard;
  firstLoadMs?: number;
  loadMs?: number;
  runMs?: number;
  freeAfterLoad?: number;
  agrees?: string;
  error?: string;
  /** The runtime bundle it ran with (mote bundle for this model and board). */
  bundleBytes?: number;
}

const COMMAND = 'npm run bench:devices';
/**
 * The machine is shared and load only adds time: first loads are the best of two (each from
 * an erased device form), an inference the best of five runs.
 */
const RUNS = 5;
const FIRST_LOADS = 2;

/** The digits MLP with 3-bit clusters, Huffman-coded (README's `npm start` model). */
async function digitsMlp(): Promise<Uint8Array> {
  const g = await importTfjsLayersFile(path.join(ROOT, 'models/digits-mlp/model.json'));
  return writeMote(compressGraph(g, { clusterBits: 3 }));
}

function input(): Float32Array {
  return loadDigits('test').features.slice(0, 784);
}

function measure(fw: Firmware, name: string, bytes: Uint8Array, runtimeJs: string, x: Float32Array): Row {
  const row: Row = { model: name, bytes: bytes.length, board: fw.board as FirmwareBoard };
  fw.writeFile('b.mote', bytes);
  fw.writeFile('mote.js', runtimeJs);
  const b64 = Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
  for (let k = 0; k < FIRST_LOADS; k++) {
    fw.reset();
    fw.erase('b.mote.d');
    const first = fw.eval(
      'eval(require("Storage").read("mote.js"));var t=getTime();var M=mote.load("b.mote");' +
        'print(JSON.stringify({ms:(getTime()-t)*1000}))',
      1_200_000,
    );
    if (first.error) return { ...row, error: first.error.split('\n')[0] };
    row.firstLoadMs = Math.min(row.firstLoadMs ?? Infinity, JSON.parse(first.output).ms);
  }
  const later = fw.eval(
    'M=undefined;var t=getTime();M=mote.load("b.mote");var ms=(getTime()-t)*1000;' +
      `var x=new Float32Array(E.toArrayBuffer(atob("${b64}")));var r=mote.run(M,x);` +
      'print(JSON.stringify({ms:ms,free:process.memory().free}))',
    600_000,
  );
  if (later.error) return { ...row, error: later.error.split('\n')[0] };
  const l = JSON.parse(later.output);
  row.loadMs = l.ms;
  row.freeAfterLoad = l.free;
  const timed = fw.eval(
    `var best=1e9;for(var k=0;k<${RUNS};k++){var t=getTime();r=mote.run(M,x);best=Math.min(best,getTime()-t)}` +
      'var o=r.outputs[0],a=[];for(var i=0;i<o.length;i++)a.push(o[i]);' +
      'print(JSON.stringify({ms:best*1000,o:a,l:r.label}))',
    1_200_000,
  );
  if (timed.error) return { ...row, error: timed.error.split('\n')[0] };
  const t = JSON.parse(timed.output);
  row.runMs = t.ms;
  const want = run(load(bytes), x);
  const diff = Math.max(...t.o.map((v: number, i: number) => Math.abs(v - want.outputs[0][i])));
  row.agrees = `${t.l === want.label ? 'same label' : 'LABEL DIFFERS'}, max |Δ| ${diff.toExponential(1)}`;
  return row;
}

/** The runtime as it was before the flash path (git show), loaded from bytes as README said. */
function measureBefore(fw: Firmware, name: string, bytes: Uint8Array, oldJs: string, x: Float32Array): Row {
  const row: Row = { model: name, bytes: bytes.length, board: fw.board as FirmwareBoard };
  fw.reset();
  fw.writeFile('old.js', oldJs);
  fw.writeFile('b.mote', bytes);
  const b64 = Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
  const r = fw.eval(
    'eval(require("Storage").read("old.js"));var t=getTime();' +
      'var M=mote.load(new Uint8Array(E.toArrayBuffer(require("Storage").read("b.mote"))));' +
      `var ms=(getTime()-t)*1000;var x=new Float32Array(E.toArrayBuffer(atob("${b64}")));t=getTime();` +
      'var r=mote.run(M,x);print(JSON.stringify({load:ms,run:(getTime()-t)*1000}))',
    600_000,
  );
  if (r.error) return { ...row, error: r.error.split('\n').find((s) => s.trim()) };
  const v = JSON.parse(r.output);
  return { ...row, loadMs: v.load, runMs: v.run };
}

/** The shipped runtime bundle of commit a065b25, the last before the flash path. */
async function runtimeBefore(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-before-'));
  execFileSync('sh', ['-c', `git archive a065b25 src/runtime | tar -x -C ${dir}`], { cwd: ROOT });
  const r = await build({
    entryPoints: [path.join(dir, 'src/runtime/entry.ts')],
    bundle: true,
    format: 'iife',
    target: 'es5',
    minify: true,
    write: false,
    legalComments: 'none',
    banner: { js: 'var mote=(function(){var __mote={};' },
    footer: { js: 'return __mote;})();' },
  });
  return r.outputFiles[0].text;
}

const fmt = (v: number | undefined, d = 0) => (v === undefined ? '–' : v.toFixed(d));

async function main(): Promise<void> {
  const oldJs = await runtimeBefore();
  const models: [string, Uint8Array][] = [['digits-mlp (3-bit clusters)', await digitsMlp()]];
  for (const f of [
    'lenet-300-100/lenet-300-100.mote',
    'lenet-5/lenet-5.mote',
    'distilled-student/distilled.mote',
    'distilled-student-conv/distilled.mote',
    'deep-exits/deep-exits.mote',
    'lenet-5-exits/lenet-5-exits.mote',
  ])
    models.push([f, new Uint8Array(readFileSync(path.join(ROOT, 'models', f)))]);
  const x = input();
  const rows: Row[] = [];
  const before: Row[] = [];
  for (const board of ['banglejs2', 'banglejs1'] as FirmwareBoard[]) {
    const fw = await bootFirmware(board);
    // Warm-up: V8 optimises the compiled firmware during its first seconds.
    const own = (bytes: Uint8Array) => runtimeFor(bytes, getTarget(board));
    measure(fw, models[0][0], models[0][1], own(models[0][1]), x);
    for (const [name, bytes] of models) {
      const js = own(bytes);
      const r = { ...measure(fw, name, bytes, js, x), bundleBytes: js.length };
      console.log(JSON.stringify(r));
      rows.push(r);
      if (name.startsWith('digits') || name.startsWith('lenet')) {
        const b = measureBefore(fw, name, bytes, oldJs, x);
        console.log(JSON.stringify(b));
        before.push(b);
      }
    }
    fw.close();
  }
  const beforeTable = [
    '| firmware | model | load | per inference |',
    '|---|---|---:|---:|',
    ...before.map(
      (r) =>
        `| ${r.board} | ${r.model} | ` +
        (r.error
          ? `fails: ${r.error.replace(/\|/g, '/')} | |`
          : `${fmt(r.loadMs)} ms | ${fmt(r.runMs, 1)} ms |`),
    ),
  ];
  const table = [
    '| firmware | model | file | runtime bundle | first load | later load | per inference | vars free after load | vs Node |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.board} | ${r.model} | ${(r.bytes / 1024).toFixed(1)} KB | ${((r.bundleBytes ?? 0) / 1024).toFixed(1)} KB | ` +
        (r.error
          ? `refused or failed: ${r.error.replace(/\|/g, '/')} | | | | |`
          : `${fmt(r.firstLoadMs)} ms | ${fmt(r.loadMs)} ms | ${fmt(r.runMs, 1)} ms | ${r.freeAfterLoad} | ${r.agrees} |`),
    ),
  ];
  const md = [
    '## Devices: the committed models on the Bangle.js firmware',
    '',
    provenance(COMMAND),
    '',
    'Engine: the Bangle.js 2 and Bangle.js 1 firmware, **Espruino 2v29.74**, compiled to JavaScript ' +
      '(targets/engines/espruino-firmware/), booted in Node by targets/engines/firmware.ts: the ' +
      "watch's interpreter and memory (12,000 variables of 14 bytes; 2,500 of 13). **Times are the " +
      "emulator's, not the watch's** (the nRF52840 at 64 MHz is slower; see docs/TARGETS.md for how " +
      '`mote fit` estimates watch time). Each model is written to Storage and loaded by name ' +
      '(`mote.load("b.mote")`, plan \'flash\') with its own runtime bundle (`mote bundle`, what `mote flash` ' +
      'installs: only the kernels the model uses); "first load" includes decoding the compressed weights ' +
      `once into the device form (\`b.mote.d\`) on the device, the best of ${FIRST_LOADS} (each from an erased ` +
      `form); per inference is the best of ${RUNS} runs on one test digit, after one run (the machine is ` +
      'shared, and load only adds time: single runs here varied by up to 1.7x); "vs Node" compares the ' +
      "outputs with the same runtime's on Node.",
    '',
    ...table,
    '',
    '### The runtime before this work (commit a065b25), loaded from bytes as its README said',
    '',
    ...beforeTable,
    '',
  ].join('\n');
  writeBenchSection('devices', md);
  console.log(md);
}

void main();
