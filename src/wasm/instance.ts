// Compiles the kernel module once per process and instantiates it once per model (each
// model owns its memory). Picks the SIMD build when the engine validates it, else the
// scalar build: WebAssembly.validate is the feature test.
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './kernels.generated.js';

// The project's TypeScript lib has no WebAssembly typings: the parts used, typed here.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

/** The engine's WebAssembly, or null where it has none (duk, QuickJS, Espruino). */
export function webAssembly(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api && typeof api.Module === 'function' && typeof api.Instance === 'function' ? api : null;
}

/** The kernels' exports (pointers are byte offsets into `memory`). */
export interface Kernels {
  memory: WasmMemory;
  /** First byte after the module's static data. */
  heapBase(): number;
  denseF32(x: number, w: number, b: number, out: number, inN: number, groups: number): void;
  denseI8(
    x: number,
    w: number,
    b: number,
    scale: number,
    zero: number,
    out: number,
    inN: number,
    groups: number,
  ): void;
  denseCsr(
    x: number,
    rowStart: number,
    cols: number,
    vals: number,
    b: number,
    out: number,
    outN: number,
  ): void;
  relu(x: number, out: number, n: number): void;
  clip(x: number, out: number, n: number, lo: number, hi: number): void;
  softmax(x: number, out: number, n: number, last: number): void;
  conv2d(x: number, w: number, b: number, out: number, params: number): void;
  convPlanar(
    x: number,
    plane: number,
    rowStart: number,
    taps: number,
    vals: number,
    b: number,
    out: number,
    params: number,
  ): void;
  convPlanarI8(
    x: number,
    plane: number,
    rowStart: number,
    taps: number,
    vals: number,
    b: number,
    out: number,
    params: number,
    rq: number,
    quant: number,
  ): void;
  depthwise(x: number, w: number, b: number, out: number, params: number): void;
  pool2d(x: number, out: number, params: number, avg: number): void;
  convI8(x: number, w: number, b: number, out: number, params: number, mult: number, quant: number): void;
  pointwiseI8(x: number, w: number, b: number, out: number, params: number, rq: number, quant: number): void;
  depthwiseI8(
    x: number,
    w: number,
    b: number,
    out: number,
    params: number,
    mult: number,
    quant: number,
  ): void;
}

export type KernelFlavour = 'simd' | 'scalar';

const modules: Partial<Record<KernelFlavour, object>> = {};

function bytesOf(flavour: KernelFlavour): Uint8Array {
  const text = flavour === 'simd' ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64;
  // Node has Buffer; browsers have atob.
  if (typeof Buffer === 'function') return new Uint8Array(Buffer.from(text, 'base64'));
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** The best build this engine runs: SIMD if it validates, else scalar. */
export function bestFlavour(): KernelFlavour {
  return api().validate(bytesOf('simd')) ? 'simd' : 'scalar';
}

/** A fresh instance (its own memory) of the chosen build; compiled once per process. */
export function instantiateKernels(flavour: KernelFlavour): Kernels {
  const wasm = api();
  const mod = (modules[flavour] ??= new wasm.Module(bytesOf(flavour)));
  return new wasm.Instance(mod, {}).exports as Kernels;
}

function api(): WasmApi {
  const wasm = webAssembly();
  if (!wasm) throw new Error('mote: this engine has no WebAssembly (use the js engine)');
  return wasm;
}
