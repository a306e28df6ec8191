// The reference executor for .onnx files: onnxruntime-web's WebAssembly backend, run in
// Node from the model's bytes, single-threaded (stable timings, no worker threads).
// Reused by the parity tests and benchmarks.
import * as ort from 'onnxruntime-web';

/** An input as onnxruntime takes it: float32, or int8/uint8 for quantized (QDQ) models. */
export type OnnxInput = Float32Array | Int8Array | Uint8Array;

export interface OnnxTensorInfo {
  name: string;
  shape: number[];
}

export interface OnnxReference {
  inputs: OnnxTensorInfo[];
  outputs: string[];
  /**
   * One inference (inputs row-major, batch included; each array's type is the tensor's
   * element type); returns the outputs in order, as float32 whatever their type.
   */
  run(inputs: OnnxInput[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

let configured = false;

function tensor(x: OnnxInput, dims: number[]): ort.Tensor {
  if (x instanceof Int8Array) return new ort.Tensor('int8', x, dims);
  if (x instanceof Uint8Array) return new ort.Tensor('uint8', x, dims);
  return new ort.Tensor('float32', x, dims);
}

/** Creates an onnxruntime-web session (wasm, 1 thread) from .onnx bytes; input shapes are the caller's. */
export async function onnxReference(bytes: Uint8Array, inputShapes: number[][]): Promise<OnnxReference> {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    configured = true;
  }
  // Severity 3 (errors only): old-opset models otherwise print warnings on every load.
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    logSeverityLevel: 3,
  });
  const names = [...session.inputNames];
  if (names.length !== inputShapes.length)
    throw new Error(`onnxruntime: the model has ${names.length} inputs, ${inputShapes.length} shapes given`);
  return {
    inputs: names.map((name, i) => ({ name, shape: inputShapes[i] })),
    outputs: [...session.outputNames],
    async run(inputs: OnnxInput[]): Promise<Float32Array[]> {
      const feeds: Record<string, ort.Tensor> = {};
      names.forEach((name, i) => (feeds[name] = tensor(inputs[i], inputShapes[i])));
      const result = await session.run(feeds);
      return session.outputNames.map((name) => Float32Array.from(result[name].data as ArrayLike<number>));
    },
    release: () => session.release(),
  };
}
