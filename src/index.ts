// mote's programmatic API: everything the CLI does, as typed functions.
export type * from './ir/types.js';
export { compile, compileFile, loadGraph, type CompileOptions, type ModelSource } from './compile.js';
export { compressGraph, type CompressOptions } from './compress/pipeline.js';
export { quantizeActivations, type Int8ActivationOptions } from './compress/int8-activations.js';
export { writeMote } from './format/writer.js';
export { readMote } from './format/reader.js';
export { inspect, type InspectReport, type TensorReport } from './format/inspect.js';
export { decodeWeights } from './format/decode.js';
export { evaluate, type Evaluation } from './evaluate.js';
export { loadDigits, type Dataset } from './data/digits.js';
// Users' own data files (CSV with windows, .npy, .npz, IDX) and their normalisation.
export { loadUserData, parseCsvDataset, type UserDataSource } from './data/user.js';
export { computeNormalization, normalizeDataset } from './data/normalize.js';
export { evaluateClasses, type ClassEvaluation } from './evaluate-classes.js';
export { importTfjsLayers, importTfjsLayersFile } from './import/tfjs/layers.js';
export {
  importOnnx,
  importOnnxFile,
  importOnnxModel,
  OnnxError,
  ONNX_OPS,
  type OnnxImport,
  type OnnxBoundary,
} from './import/onnx/import.js';
export { runBatched } from './import/onnx/batch.js';
export {
  importTflite,
  importTfliteFile,
  TfliteImportError,
  type TfliteImportOptions,
} from './import/tflite/import.js';
export { TfliteFormatError } from './import/tflite/flatbuffer.js';
export {
  load as loadModel,
  run,
  type LoadOptions,
  type Model,
  type RunResult,
  type Memory,
} from './runtime/model.js';
// The host reads every op: register all kernels (a device bundle holds only its model's).
import './runtime/op/all.js';
export { loadWithEngine, pickEngine, type EngineChoice, type EngineLoadOptions } from './wasm/engine.js';
export { wasmAccelerator, type Accelerator, type WasmAcceleratorOptions } from './wasm/accelerator.js';
