// The reference executor for .tflite files: TensorFlow Lite itself, compiled to
// WebAssembly, as shipped in @tensorflow/tfjs-tflite. The package's Node entry is
// missing, but its Emscripten module loads in Node when handed the .wasm bytes.
// Each model gets a fresh instance of the (once-compiled) module: an instance that has
// run one model can be left in a bad state by another (keyword_scrambled_8bit leaves
// later loads failing with "memory access out of bounds").
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

/** A typed array as TFLite hands out tensor data. */
export type TensorData = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface ReferenceTensor {
  name: string;
  /** TFLite's type name as the module reports it: 'float32', 'int8', 'int16', 'int32', ... */
  type: string;
  shape: number[];
}

export interface TfliteReference {
  inputs: ReferenceTensor[];
  outputs: ReferenceTensor[];
  /** One inference; returns copies of the output tensors. Variable tensors keep their state between calls. */
  run(inputs: ArrayLike<number>[]): TensorData[];
  /** Frees the model and its instance. */
  dispose(): void;
}

// The Emscripten module's surface that is used here (embind classes, no typings shipped).
interface CppTensorInfo {
  name: string;
  dataType: string;
  shape: string;
  data(): TensorData;
}
interface CppVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface CppRunner {
  GetInputs(): CppVector<CppTensorInfo>;
  GetOutputs(): CppVector<CppTensorInfo>;
  Infer(): boolean;
  delete(): void;
}
interface CppStatusOr {
  ok(): boolean;
  errorMessage(): string;
  value(): CppRunner;
}
interface TfliteModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      len: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): CppStatusOr;
  };
}
// This project's TypeScript lib has no WebAssembly typings: the two calls used, typed here.
type WasmModule = object;
type WasmInstance = object;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(m: WasmModule, imports: object): Promise<WasmInstance>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Factory = (opts: {
  instantiateWasm: (imports: object, done: (i: WasmInstance, m: WasmModule) => void) => object;
  print: (s: string) => void;
  printErr: (s: string) => void;
}) => Promise<TfliteModule>;

const WASM_DIR = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');

let compiled: Promise<WasmModule> | undefined;

function wasmModule(): Promise<WasmModule> {
  return (compiled ??= readFile(path.join(WASM_DIR, 'tflite_web_api_cc.wasm')).then((b) =>
    wasmApi.compile(b),
  ));
}

/** A fresh TFLite instance, with what it prints to stderr collected in `log`. */
async function instance(log: string[]): Promise<TfliteModule> {
  const wasm = await wasmModule();
  const factory = require(path.join(WASM_DIR, 'tflite_web_api_cc.js')) as Factory;
  return factory({
    instantiateWasm(imports, done) {
      wasmApi.instantiate(wasm, imports).then((i) => done(i, wasm));
      return {};
    },
    print: (s) => log.push(s),
    printErr: (s) => log.push(s),
  });
}

function tensorList(v: CppVector<CppTensorInfo>): CppTensorInfo[] {
  const out: CppTensorInfo[] = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  v.delete();
  return out;
}

function describe(t: CppTensorInfo): ReferenceTensor {
  const shape = String(t.shape)
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  return { name: t.name, type: t.dataType, shape };
}

/** Loads `bytes` into TFLite; fails with TFLite's own messages if it refuses the model. */
export async function loadTfliteReference(
  bytes: Uint8Array,
  file = 'model.tflite',
): Promise<TfliteReference> {
  const log: string[] = [];
  const mod = await instance(log);
  const ptr = mod._malloc(bytes.length);
  mod.HEAPU8.set(bytes, ptr);
  const status = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!status.ok()) {
    const why = [...log, status.errorMessage()].join('; ');
    mod._free(ptr);
    throw new Error(`TFLite reference cannot load ${file}: ${why}`);
  }
  const runner = status.value();
  const inputs = tensorList(runner.GetInputs());
  const outputs = tensorList(runner.GetOutputs());
  return {
    inputs: inputs.map(describe),
    outputs: outputs.map(describe),
    run(values) {
      if (values.length !== inputs.length)
        throw new Error(`${file}: TFLite reference needs ${inputs.length} inputs, got ${values.length}`);
      inputs.forEach((t, i) => {
        const data = t.data();
        if (values[i].length !== data.length)
          throw new Error(`${file}: input '${t.name}' needs ${data.length} values, got ${values[i].length}`);
        data.set(values[i]);
      });
      if (!runner.Infer()) throw new Error(`${file}: TFLite reference inference failed: ${log.join('; ')}`);
      return outputs.map((t) => t.data().slice());
    },
    dispose() {
      runner.delete();
      mod._free(ptr);
    },
  };
}
