// The reference executor for .onnx files: onnxruntime-web's WebAssembly backend, run in
// Node from the model's bytes, single-threaded (stable timings, no worker threads).
// Reused by the parity tests and benchmarks.
import * as ort from 'onnxruntime-web';

export interface OnnxTensorInfo {
  name: string;
  shape: number[];
}

export interface OnnxReference {
  inputs: OnnxTensorInfo[];
  outputs: string[];
  /** One inference on float32 inputs (row-major, batch included); returns the outputs in order. */
  run(inputs: Float32Array[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

let configured = false;

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
    async run(inputs: Float32Array[]): Promise<Float32Array[]> {
      const feeds: Record<string, ort.Tensor> = {};
      names.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', inputs[i], inputShapes[i])));
      const result = await session.run(feeds);
      return session.outputNames.map((name) => Float32Array.from(result[name].data as Float32Array));
    },
    release: () => session.release(),
  };
}
