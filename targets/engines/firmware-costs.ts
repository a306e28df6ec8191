// What Espruino's native helpers cost on the Bangle.js 2 firmware (2v29.74 compiled to JS,
// booted by ./firmware.ts): per element, per call, and in variables. These figures decide how
// the runtime lays out its work on the device. They are the emulator's times, not the watch's
// (the watch is slower); ratios between rows hold better than the times themselves.
//
//   npx tsx targets/engines/firmware-costs.ts [--json]
//
// Method: each operation runs R times in a REPL-typed loop (code in RAM, not in Storage),
// timed by the firmware's getTime(); the best of three runs is kept, after a warm-up pass. Per-element cost is the
// slope between n = 784 and n = 16 elements, which cancels the loop and the call overhead;
// "per call" is the whole call at n = 784. Variables: process.memory().free before and after
// holding the object, less the same for `undefined`.
import { bootFirmware, type Firmware } from './firmware.js';

const N = 784;
const N_SMALL = 16;
const TARGET_MS = 250;
const TRIALS = 3;
const READ_SIZES = [784, 3136, 8192, 16384];
const FILE = 'cost.bin';

interface Op {
  name: string;
  /** Declares the operands for n elements (one REPL line). */
  setup: (n: number) => string;
  /** One call, as an expression. */
  op: string;
}

const ops: Op[] = [
  {
    name: 'E.convolve Float32 x Float32',
    setup: (n) => `var a=new Float32Array(${n}).fill(0.5),b=new Float32Array(${n}).fill(0.25)`,
    op: 'E.convolve(a,b,0)',
  },
  {
    name: 'E.convolve Int8 x Float32',
    setup: (n) => `var a=new Int8Array(${n}).fill(-3),b=new Float32Array(${n}).fill(0.25)`,
    op: 'E.convolve(a,b,0)',
  },
  {
    name: 'E.convolve Int16 x Float32',
    setup: (n) => `var a=new Int16Array(${n}).fill(-300),b=new Float32Array(${n}).fill(0.25)`,
    op: 'E.convolve(a,b,0)',
  },
  {
    name: 'E.mapInPlace Uint8 -> Float32 via lut Float32Array(256)',
    setup: (n) =>
      `var f=new Uint8Array(${n}),t=new Float32Array(${n}),l=new Float32Array(256);` +
      `for(var i=0;i<${n};i++)f[i]=i*37;for(i=0;i<256;i++)l[i]=i/7`,
    op: 'E.mapInPlace(f,t,l)',
  },
  {
    name: 'E.mapInPlace 3-bit unpack via lut Float32Array(8)',
    setup: (n) =>
      `var f=new Uint8Array(${Math.ceil((n * 3) / 8)}),t=new Float32Array(${n}),l=new Float32Array(8);` +
      `for(var i=0;i<f.length;i++)f[i]=i*37;for(i=0;i<8;i++)l[i]=i/7`,
    op: 'E.mapInPlace(f,t,l,3)',
  },
  {
    name: 'E.mapInPlace 4-bit unpack via lut Float32Array(16)',
    setup: (n) =>
      `var f=new Uint8Array(${Math.ceil(n / 2)}),t=new Float32Array(${n}),l=new Float32Array(16);` +
      `for(var i=0;i<f.length;i++)f[i]=i*37;for(i=0;i<16;i++)l[i]=i/7`,
    op: 'E.mapInPlace(f,t,l,4)',
  },
  {
    name: 'E.mapInPlace gather: Uint16 index into Float32Array(4096)',
    setup: (n) =>
      `var f=new Uint16Array(${n}),t=new Float32Array(${n}),l=new Float32Array(4096);` +
      `for(var i=0;i<${n};i++)f[i]=(i*997)&4095;for(i=0;i<4096;i++)l[i]=i/7`,
    op: 'E.mapInPlace(f,t,l)',
  },
  {
    name: 'E.convolve Float32 view of a Storage file x Float32',
    setup: (n) =>
      `var a=new Float32Array(E.toArrayBuffer(require("Storage").read("${FILE}",0,${n * 4}))),` +
      `b=new Float32Array(${n}).fill(0.25)`,
    op: 'E.convolve(a,b,0)',
  },
  {
    name: 'E.convolve Int8 view of a Storage file x Float32',
    setup: (n) =>
      `var a=new Int8Array(E.toArrayBuffer(require("Storage").read("${FILE}",0,${n}))),` +
      `b=new Float32Array(${n}).fill(0.25)`,
    op: 'E.convolve(a,b,0)',
  },
  {
    name: 'E.mapInPlace Uint8 view of a Storage file -> Float32 via lut',
    setup: (n) =>
      `var f=new Uint8Array(E.toArrayBuffer(require("Storage").read("${FILE}",0,${n}))),` +
      `t=new Float32Array(${n}),l=new Float32Array(256)`,
    op: 'E.mapInPlace(f,t,l)',
  },
  {
    name: 'E.mapInPlace 3-bit unpack of a Storage file view via lut',
    setup: (n) =>
      `var f=new Uint8Array(E.toArrayBuffer(require("Storage").read("${FILE}",0,${Math.ceil((n * 3) / 8)}))),` +
      `t=new Float32Array(${n}),l=new Float32Array(8)`,
    op: 'E.mapInPlace(f,t,l,3)',
  },
  {
    name: 'Float32Array.set(Float32Array)',
    setup: (n) => `var f=new Float32Array(${n}).fill(0.5),t=new Float32Array(${n})`,
    op: 't.set(f)',
  },
];

function run(fw: Firmware, code: string): string {
  const r = fw.eval(code, 120_000);
  if (r.error !== null) throw new Error(`${code.slice(0, 100)}: ${r.error}`);
  return r.output;
}

/** µs per evaluation of `expr`, loop overhead included (best of TRIALS). */
function time(fw: Firmware, expr: string): number {
  const once = (reps: number) =>
    Number(run(fw, `var R=${reps},T=getTime();for(var r=0;r<R;r++)${expr};print((getTime()-T)*1e3)`));
  let reps = 4;
  let ms = once(reps);
  while (ms < TARGET_MS / 4 && reps < 1e6) {
    reps = Math.ceil((reps * TARGET_MS) / Math.max(ms, 1));
    ms = once(reps);
  }
  let best = ms;
  for (let i = 1; i < TRIALS; i++) best = Math.min(best, once(reps));
  return (best * 1000) / reps;
}

/** Variables an object costs while held (process.memory().free difference). */
function vars(fw: Firmware, setup: string, expr: string): number {
  const held = (e: string) =>
    Number(
      run(
        fw,
        `${setup};var M0=process.memory().free,V=${e},M1=process.memory().free;print(M0-M1);V=undefined`,
      ),
    );
  return held(expr) - held('undefined');
}

const fmt = (x: number, digits = 0) => x.toFixed(digits);

async function main() {
  const json = process.argv.includes('--json');
  const fw = await bootFirmware('banglejs2');
  const rows: { operation: string; perElementNs: number; perCallUs: number; overheadUs: number }[] = [];
  // a 64 KB file of floats, for the Storage-backed rows and the reads below
  const floats = new Float32Array(16384).map((_, i) => Math.sin(i));
  fw.writeFile(FILE, new Uint8Array(floats.buffer));
  // Warm up: V8 optimises the compiled firmware as it runs; the first second is slower.
  for (const o of ops) {
    fw.reset();
    run(fw, o.setup(N));
    time(fw, o.op);
  }
  fw.reset();
  let loopUs = time(fw, '');
  for (const o of ops) {
    fw.reset();
    loopUs = Math.min(loopUs, time(fw, ''));
    run(fw, o.setup(N_SMALL));
    const small = time(fw, o.op);
    run(fw, o.setup(N));
    const big = time(fw, o.op);
    const perElementNs = ((big - small) / (N - N_SMALL)) * 1000;
    rows.push({
      operation: o.name,
      perElementNs,
      perCallUs: big - loopUs,
      overheadUs: small - loopUs - (perElementNs * N_SMALL) / 1000,
    });
  }

  // Storage: blocks read at a 4-aligned offset inside the file.
  const reads: {
    n: number;
    readUs: number;
    requireReadUs: number;
    viewUs: number;
    copyUs: number;
    readVars: number;
    viewVars: number;
    ramVars: number;
  }[] = [];
  for (const n of READ_SIZES) {
    fw.reset();
    const off = 4096;
    const read = `require("Storage").read("${FILE}",${off},${n})`;
    const view = `new Float32Array(E.toArrayBuffer(${read}))`;
    run(fw, `var S=require("Storage"),ram=new Float32Array(${n / 4})`);
    const readUs = time(fw, `S.read("${FILE}",${off},${n})`) - loopUs;
    const requireReadUs = time(fw, read) - loopUs;
    const viewUs = time(fw, `new Float32Array(E.toArrayBuffer(S.read("${FILE}",${off},${n})))`) - loopUs;
    const copyUs =
      time(fw, `ram.set(new Float32Array(E.toArrayBuffer(S.read("${FILE}",${off},${n}))))`) - loopUs;
    run(fw, 'ram=undefined');
    reads.push({
      n,
      readUs,
      requireReadUs,
      viewUs,
      copyUs,
      readVars: vars(fw, 'var S=0', read),
      viewVars: vars(fw, 'var S=0', view),
      ramVars: vars(fw, 'var S=0', `new Float32Array(${n / 4})`),
    });
  }
  const check = run(
    fw,
    `print(new Float32Array(E.toArrayBuffer(require("Storage").read("${FILE}",4096,8)))[1])`,
  );
  fw.erase(FILE);
  fw.close();

  if (json) {
    console.log(JSON.stringify({ version: fw.version, loopUs, rows, reads }, null, 2));
    return;
  }
  console.log(`Espruino ${fw.version} for Bangle.js 2 compiled to JS (emulator), Node ${process.version}`);
  console.log(`empty for-loop iteration: ${fmt(loopUs, 1)} µs (subtracted below)\n`);
  console.log('| operation | per element | per call at n = 784 | call overhead |');
  console.log('|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.operation} | ${fmt(r.perElementNs)} ns | ${fmt(r.perCallUs)} µs | ${fmt(r.overheadUs, 1)} µs |`,
    );
  console.log(
    '\n| bytes n | `S.read(name, off, n)` (S cached) | `require("Storage").read(name, off, n)` | + `new Float32Array(E.toArrayBuffer(..))` | + `ram.set(view)` | vars: read | vars: view | vars: RAM Float32Array(n/4) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of reads)
    console.log(
      `| ${r.n} | ${fmt(r.readUs)} µs | ${fmt(r.requireReadUs)} µs | ${fmt(r.viewUs)} µs | ${fmt(r.copyUs)} µs | ${r.readVars} | ${r.viewVars} | ${r.ramVars} |`,
    );
  console.log(
    `\n(check: element 1 of a view read back = ${check.trim()}, Math.sin(1025) = ${Math.fround(Math.sin(1025))})`,
  );
}

await main();
