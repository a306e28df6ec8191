// Loads the installed runtime and model on the device and runs inputs there, timing each
// layer with the device's own clock (the runtime's run(..., {profile: true}) uses getTime()
// on Espruino) and reading process.memory() before and after.
import type { OpProfile } from '../../src/runtime/model.js';
import type { CallOptions, EspruinoRepl } from '../espruino/repl.js';
import { DeviceError } from '../espruino/repl.js';
import type { Pointer } from '../flash/pointer.js';
import { base64 } from '../espruino/storage.js';
import { bytesFromBase64, clockMs, memoryExpr } from '../dialect.js';

export interface DeviceMemory {
  /** Bytes in use: process.memory().usage × blocksize. */
  usedBytes: number;
  totalBytes: number;
}

export interface DeviceModelInfo {
  /** Values per model input. */
  inputSizes: number[];
  labels?: string[];
  /** model.memory from the runtime on the device. */
  runtimeMemory: { activations: number; resident: number; scratch: number; peak: number };
  loadMs: number;
  /** Multiply-accumulates per inference, as the runtime on the device counts them. */
  macs: number;
}

export interface DeviceRun {
  outputs: number[];
  label: number;
  labelName?: string;
  /** The early exit taken, when the runtime reports one; else the final output. */
  exit: string;
  macs: number;
  /** Mean ms per inference by the device clock. */
  ms: number;
  /** With profiling: per-op counts and mean ms by the device clock. */
  profile?: OpProfile[];
}

/** Bytes of input per line (base64 makes the line 4/3 as long); Kaluma's lines hold 1,023 characters. */
const inputChunk = (repl: EspruinoRepl) => (repl.dialect === 'kaluma' ? 384 : 768);
/** Espruino's process.memory() reports 'blocks' (JS variables) of `blocksize` bytes. */
export async function deviceMemory(repl: EspruinoRepl): Promise<DeviceMemory> {
  const v = (await repl.call(`return ${memoryExpr(repl)}`, 'reading the device memory')) as number[];
  return { usedBytes: v[0], totalBytes: v[1] };
}

/**
 * Forgets any loaded model (so memory figures start clean), then loads the installed one.
 * `timeout`: time allowed for loading the runtime and for loading the model (operations.ts
 * chooses it by the rule in budget.ts); default 30 s.
 */
export async function loadInstalled(
  repl: EspruinoRepl,
  pointer: Pointer,
  opts: { plan?: string; memoryLimit?: number; timeout?: CallOptions } = {},
): Promise<DeviceModelInfo> {
  const timeout = opts.timeout ?? { timeoutMs: 30_000 };
  const G = repl.global;
  await repl.call(`${G}.__moteM=undefined;${G}.__moteX=undefined;return 1`, 'releasing the previous model');
  const rt = JSON.stringify(pointer.runtime.name);
  const have = await repl.call(
    `return typeof mote==="object"&&${G}.__moteRt===${rt}`,
    'checking the runtime',
  );
  if (have !== true) {
    // Indirect eval runs the bundle as global code, so its `var mote` becomes a global.
    await repl.exec(
      `(0,eval)(${readText(repl, pointer.runtime.name)})`,
      `loading the runtime ${pointer.runtime.name}`,
      timeout,
    );
    await repl.call(
      `if(typeof mote!=="object")throw new Error("the runtime did not define mote");${G}.__moteRt=${rt};return 1`,
      'checking the runtime',
    );
  }
  const loadOpts = JSON.stringify({
    plan: opts.plan ?? 'stream',
    ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
  });
  const v = (await repl.call(
    `var t=${clockMs(repl)};${G}.__moteM=mote.load(${modelSource(repl, pointer.model.name)},${loadOpts});` +
      `var M=${G}.__moteM,g=M.graph,s=[],i;for(i=0;i<g.inputs.length;i++)s.push(g.values[g.inputs[i]].size);` +
      `var m=M.memory;return {s:s,l:M.meta.labels,ms:${clockMs(repl)}-t,macs:M.macs,` +
      'mem:{activations:m.activations,resident:m.resident,scratch:m.scratch,peak:m.peak}}',
    `loading the model ${pointer.model.name}`,
    timeout,
  )) as { s: number[]; l?: unknown; ms: number; macs: number; mem: DeviceModelInfo['runtimeMemory'] };
  return {
    inputSizes: v.s,
    labels: Array.isArray(v.l) ? v.l.map(String) : undefined,
    runtimeMemory: v.mem,
    loadMs: v.ms,
    macs: Number(v.macs) || 0,
  };
}

/** Sends one sample (all inputs, concatenated) as float32 bytes in base64 lines. */
export async function sendInput(repl: EspruinoRepl, info: DeviceModelInfo, sample: number[]): Promise<void> {
  const need = info.inputSizes.reduce((a, b) => a + b, 0);
  if (sample.length !== need)
    throw new Error(`mote: the installed model takes ${need} input values, the sample has ${sample.length}`);
  const bytes = new Uint8Array(Float32Array.from(sample).buffer);
  const G = repl.global;
  await repl.call(`${G}.__moteX=new Uint8Array(${bytes.length});return 1`, 'allocating the input');
  const chunk = inputChunk(repl);
  for (let at = 0; at < bytes.length; at += chunk) {
    await repl.call(
      `${G}.__moteX.set(${bytesFromBase64(repl, base64(bytes.subarray(at, at + chunk)))},${at});return 1`,
      `sending input bytes at ${at}`,
    );
  }
}

/** Runs the sent sample `runs` times; outputs from the last run, times averaged. */
export async function runSent(
  repl: EspruinoRepl,
  info: DeviceModelInfo,
  opts: { runs?: number; profile?: boolean; timeout?: CallOptions } = {},
): Promise<DeviceRun> {
  const runs = Math.max(1, Math.floor(opts.runs ?? 1));
  const prof = opts.profile === true;
  const sizes = JSON.stringify(info.inputSizes);
  const G = repl.global;
  const now = clockMs(repl);
  const v = (await repl.call(
    `var f=new Float32Array(${G}.__moteX.buffer),z=${sizes},x=[],a=0,i,j,r,p=null,t,ms=0;` +
      'for(i=0;i<z.length;i++){x.push(f.subarray(a,a+z[i]));a+=z[i]}if(x.length===1)x=x[0];' +
      `for(i=0;i<${runs};i++){t=${now};r=mote.run(${G}.__moteM,x,${prof ? '{profile:true}' : 'undefined'});ms+=${now}-t;` +
      'if(r.profile){if(!p)p=r.profile;else for(j=0;j<p.length;j++)p[j].ms+=r.profile[j].ms}}' +
      `if(p)for(j=0;j<p.length;j++)p[j].ms/=${runs};` +
      'var o=r.outputs[0],out=[];for(j=0;j<o.length;j++)out.push(o[j]);' +
      // Early exits: the scheduler decides which head answers (the profile above ran every op).
      `var M=${G}.__moteM,e=null;if(M.exits&&M.exits.length&&mote.runExits){var q=mote.runExits(M,x);e=[q.exit,M.exits.length,q.label,q.macs]}` +
      `return {o:out,l:r.label,e:e,macs:r.macs,ms:ms/${runs},p:p}`,
    `running the model (${runs} run${runs > 1 ? 's' : ''})`,
    opts.timeout ?? { timeoutMs: 60_000 },
  )) as { o: number[]; l: number; e: number[] | null; macs: number; ms: number; p: OpProfile[] | null };
  if (!v || !Array.isArray(v.o))
    throw new DeviceError(repl.link.name, 'running the model', 'unexpected answer', 'protocol');
  // JSON numbers from the device are float32 values; fround undoes any extra digits printed.
  const outputs = v.o.map((n) => Math.fround(n));
  return {
    outputs,
    label: v.l,
    labelName: info.labels?.[v.l],
    exit: describeExit(v.e, info.labels),
    macs: v.macs,
    ms: v.ms,
    ...(v.p ? { profile: v.p } : {}),
  };
}

/** An expression reading a stored file as text (the runtime bundle). */
function readText(repl: EspruinoRepl, name: string): string {
  const n = JSON.stringify(name);
  return repl.dialect === 'kaluma'
    ? `new TextDecoder().decode(require("fs").readFileSync("/"+${n}))`
    : `require("Storage").read(${n})`;
}

/** An expression reading a stored file as a Uint8Array (memory-mapped on Espruino). */
/**
 * What mote.load is given: on Espruino with E.mapInPlace, the Storage name (plan 'flash':
 * weights read from flash in blocks, compressed ones decoded once into `<name>.d`); else
 * the file's bytes.
 */
function modelSource(repl: EspruinoRepl, name: string): string {
  if (repl.dialect === 'kaluma') return readBytes(repl, name);
  return `(typeof E.mapInPlace=="function"?${JSON.stringify(name)}:${readBytes(repl, name)})`;
}

function readBytes(repl: EspruinoRepl, name: string): string {
  const n = JSON.stringify(name);
  return repl.dialect === 'kaluma'
    ? `new Uint8Array(require("fs").readFileSync("/"+${n}))`
    : `new Uint8Array(require("Storage").readArrayBuffer(${n}))`;
}

/** [exit taken, exit count, its label, its MACs] from runExits, or null for a model without exits. */
function describeExit(e: number[] | null, labels?: string[]): string {
  if (!e) return 'final output (the model has no early exits)';
  const [taken, count, label, macs] = e;
  const name = labels?.[label] === undefined ? '' : ` '${labels[label]}'`;
  return taken >= count
    ? `end of the model (none of ${count} exits was confident): class ${label}${name}, ${macs} MACs`
    : `exit ${taken} of ${count}: class ${label}${name}, ${macs} MACs`;
}
