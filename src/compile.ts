// compile(): any model source mote reads → compressed .mote bytes.
import { readFile } from 'node:fs/promises';
import type { Graph } from './ir/types.js';
import { importTfjsLayersFile } from './import/tfjs/layers.js';
import type { TfliteImportOptions } from './import/tflite/import.js';
import type { Requantize } from './ir/types.js';
import { readMote } from './format/reader.js';
import { writeMote } from './format/writer.js';
import { checkFinite } from './ir/validate.js';
import { compressGraph, type CompressOptions } from './compress/pipeline.js';
import { writeFileAtomic } from './io/atomic.js';

export type ModelSource = string | Uint8Array | Graph;

// The TFLite and ONNX importers (flatbuffers, protobufjs and the ONNX schema) load on
// first use, so commands that never import a model start fast.
async function tflite(bytes: Uint8Array, options: TfliteImportOptions, file?: string): Promise<Graph> {
  return (await import('./import/tflite/import.js')).importTflite(bytes, options, file);
}
async function onnx(bytes: Uint8Array, file: string): Promise<Graph> {
  return (await import('./import/onnx/import.js')).importOnnx(bytes, file);
}
/** The TFLite file identifier ('TFL3' at byte 4). */
function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]) === 'TFL3';
}

export interface CompileOptions extends CompressOptions {
  /** Class labels to store in the metadata (overrides the source's). */
  labels?: string[];
  /** Model name to store in the metadata. */
  name?: string;
  /** int8 models from TFLite: requantise as TFLite's reference kernels ('fixed-point', default) or as XNNPACK ('float32'). */
  requantize?: Requantize;
}

/**
 * Loads a model into the IR: a path to an ONNX, TFLite, TF.js Layers model.json or .mote file,
 * .mote bytes, or a graph (returned as is).
 */
export async function loadGraph(source: ModelSource, options: CompileOptions = {}): Promise<Graph> {
  if (source instanceof Uint8Array)
    return isTflite(source) ? tflite(source, { requantize: options.requantize }) : readMote(source);
  if (typeof source !== 'string') return source;
  if (source.endsWith('.json')) return importTfjsLayersFile(source);
  if (source.endsWith('.mote')) return readMote(await readFile(source));
  if (source.endsWith('.onnx')) return onnx(await readFile(source), source);
  if (source.endsWith('.tflite')) {
    const name = source.replace(/^.*[\\/]/, '').replace(/\.tflite$/, '');
    return tflite(await readFile(source), { name, requantize: options.requantize }, source);
  }
  const head = await readFile(source).catch(() => null);
  if (head && isTflite(head)) return tflite(head, { requantize: options.requantize }, source);
  // An ONNX ModelProto has no magic; it starts with field 1 (ir_version), tag 0x08.
  if (head && head[0] === 0x08) return onnx(head, source);
  throw new Error(
    `mote: ${source}: unknown model type (expected a .onnx, a .tflite, a TF.js model.json or a .mote file)`,
  );
}

export async function compile(source: ModelSource, options: CompileOptions = {}): Promise<Uint8Array> {
  const loaded = await loadGraph(source, options);
  // Refused before compressing: non-finite weights make nonsense of every pass.
  checkFinite(loaded);
  const graph = compressGraph(loaded, options);
  const metadata = { ...graph.metadata };
  if (options.labels) metadata.labels = options.labels;
  if (options.name) metadata.name = options.name;
  return writeMote({ ...graph, metadata });
}

/** compile() to a file, atomically: on any error the previous file is left untouched. */
export async function compileFile(
  source: ModelSource,
  output: string,
  options: CompileOptions = {},
): Promise<Uint8Array> {
  const bytes = await compile(source, options);
  await writeFileAtomic(output, bytes);
  return bytes;
}
