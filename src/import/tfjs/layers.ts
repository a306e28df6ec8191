// TensorFlow.js Layers-format importer: model.json (format "layers-model") plus its
// binary weight shards become one IR Graph.
//
// Supported: a Sequential model (as saved by tfjs-layers, or converted from Keras by
// tensorflowjs_converter) made of InputLayer, Dense, Flatten, Activation, ReLU, Softmax
// and Dropout (dropped: it is the identity at inference). Everything else fails with an
// error naming the source file, the layer and the field.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Graph, Op, Tensor, Value } from '../../ir/types.js';

export interface TfjsLayersImportOptions {
  /** Class labels, stored in the graph metadata. */
  labels?: string[];
  /** Model name; defaults to the name in model.json. */
  name?: string;
  /**
   * The files whose concatenation is `weightData`, with their sizes, in manifest order.
   * Only used to name the right file in errors; without it, errors name the manifest
   * group's paths.
   */
  weightFiles?: { path: string; byteLength: number }[];
}

const SUPPORTED_LAYERS = ['InputLayer', 'Dense', 'Flatten', 'Activation', 'ReLU', 'Softmax', 'Dropout'];
const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'softmax'];

/** A JSON object: the shape of everything we read out of model.json before checking it. */
type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(source: string, where: string, problem: string): never {
  throw new Error('mote: ' + source + (where ? ' ' + where : '') + ': ' + problem);
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function product(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isDim(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

interface WeightEntry {
  name: string;
  shape: number[];
  /** Byte offset in the concatenated weight data. */
  offset: number;
  byteLength: number;
  group: number;
  groupPaths: string[];
  used: boolean;
}

/** Lays out the manifest's weights over the concatenated data and checks the sizes. */
function layoutWeights(
  manifest: unknown,
  weightData: Uint8Array,
  source: string,
  weightFiles: TfjsLayersImportOptions['weightFiles'],
): WeightEntry[] {
  if (!Array.isArray(manifest))
    fail(source, '', `field 'weightsManifest' must be an array, got ${describe(manifest)}`);
  const entries: WeightEntry[] = [];
  let offset = 0;
  manifest.forEach((group: unknown, g: number) => {
    const where = `weightsManifest[${g}]`;
    if (!isObject(group)) fail(source, where, `expected an object, got ${describe(group)}`);
    const paths = group.paths;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      fail(source, where, `field 'paths' must be an array of strings, got ${describe(paths)}`);
    }
    const weights = group.weights;
    if (!Array.isArray(weights))
      fail(source, where, `field 'weights' must be an array, got ${describe(weights)}`);
    weights.forEach((w: unknown, i: number) => {
      const wWhere = `${where}.weights[${i}]`;
      if (!isObject(w)) fail(source, wWhere, `expected an object, got ${describe(w)}`);
      if (typeof w.name !== 'string')
        fail(source, wWhere, `field 'name' must be a string, got ${describe(w.name)}`);
      const named = `weight '${w.name}'`;
      const shape = w.shape;
      if (
        !Array.isArray(shape) ||
        !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
      ) {
        fail(
          source,
          named,
          `field 'shape' must be an array of non-negative integers, got ${describe(shape)}`,
        );
      }
      if (w.quantization !== undefined) {
        fail(
          source,
          named,
          `field 'quantization': quantized weights are not supported (re-export with float32 weights)`,
        );
      }
      if (w.dtype !== 'float32') {
        fail(source, named, `field 'dtype': unsupported dtype ${describe(w.dtype)} (supported: float32)`);
      }
      const byteLength = product(shape as number[]) * 4;
      entries.push({
        name: w.name,
        shape: (shape as number[]).slice(),
        offset,
        byteLength,
        group: g,
        groupPaths: paths as string[],
        used: false,
      });
      offset += byteLength;
    });
  });

  // Name the file a byte offset falls in: exactly when the shard sizes are known,
  // otherwise the paths of the weight's manifest group.
  const fileAt = (e: WeightEntry): string => {
    if (weightFiles && weightFiles.length > 0) {
      let start = 0;
      for (const f of weightFiles) {
        if (e.offset < start + f.byteLength) return f.path;
        start += f.byteLength;
      }
      return weightFiles[weightFiles.length - 1].path;
    }
    return e.groupPaths.length > 0 ? e.groupPaths.join(', ') : `weightsManifest[${e.group}]`;
  };

  for (const e of entries) {
    if (e.offset + e.byteLength > weightData.length) {
      const have = Math.max(0, weightData.length - e.offset);
      fail(
        source,
        '',
        `weight file ${fileAt(e)} is too short: weight '${e.name}' (shape [${e.shape.join(', ')}]) needs bytes ` +
          `${e.offset}..${e.offset + e.byteLength} of the weight data, but only ${weightData.length} bytes were read ` +
          `(${have} of its ${e.byteLength} bytes present)`,
      );
    }
  }
  if (offset !== weightData.length) {
    const last = entries.length > 0 ? fileAt(entries[entries.length - 1]) : 'the weight files';
    fail(
      source,
      '',
      `weight file ${last} is too long: the manifest describes ${offset} bytes of weights but ${weightData.length} were read`,
    );
  }
  return entries;
}

function readFloat32(weightData: Uint8Array, e: WeightEntry): Float32Array {
  const view = new DataView(weightData.buffer, weightData.byteOffset + e.offset, e.byteLength);
  const out = new Float32Array(e.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Finds the manifest weight `<layer>/<kind>` (also `<scope>/<layer>/<kind>` and `...:0`). */
function findWeight(entries: WeightEntry[], layer: string, kind: string): WeightEntry | undefined {
  const want = layer + '/' + kind;
  const strip = (n: string): string => n.replace(/:0$/, '');
  const exact = entries.find((e) => strip(e.name) === want);
  if (exact) return exact;
  const scoped = entries.filter((e) => strip(e.name).endsWith('/' + want));
  return scoped.length === 1 ? scoped[0] : undefined;
}

/** The Sequential model's layer list, from either tfjs-layers or Keras-converted JSON. */
function sequentialLayers(
  topology: unknown,
  source: string,
): { name: string | undefined; layers: unknown[]; config: Json } {
  if (!isObject(topology))
    fail(source, '', `field 'modelTopology' must be an object, got ${describe(topology)}`);
  // tensorflowjs_converter output nests the model under model_config.
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const cls = model.class_name;
  if (cls !== 'Sequential') {
    fail(
      source,
      '',
      `field 'modelTopology.class_name': unsupported model class ${describe(cls)} (supported: Sequential)`,
    );
  }
  const config = model.config;
  // Keras 2.0-era JSON stores the layer list directly as the config.
  if (Array.isArray(config)) return { name: undefined, layers: config, config: {} };
  if (!isObject(config))
    fail(source, '', `field 'modelTopology.config' must be an object, got ${describe(config)}`);
  if (!Array.isArray(config.layers)) {
    fail(source, '', `field 'modelTopology.config.layers' must be an array, got ${describe(config.layers)}`);
  }
  return { name: typeof config.name === 'string' ? config.name : undefined, layers: config.layers, config };
}

/** Batch shape from a layer config: batch_input_shape (Keras 2, tfjs) or batch_shape (Keras 3). */
function batchShape(cfg: Json): unknown {
  if (cfg.batch_input_shape !== undefined) return cfg.batch_input_shape;
  if (cfg.batch_shape !== undefined) return cfg.batch_shape;
  return undefined;
}

/**
 * Imports a TF.js Layers model. `modelJson` is the parsed model.json, `weightData` the
 * concatenation of every path of every weightsManifest group, in order, and `source` the
 * name used in error messages (usually the model.json path).
 */
export function importTfjsLayers(
  modelJson: unknown,
  weightData: Uint8Array,
  source: string,
  options: TfjsLayersImportOptions = {},
): Graph {
  if (!isObject(modelJson)) fail(source, '', `expected a JSON object, got ${describe(modelJson)}`);
  if (modelJson.format !== undefined && modelJson.format !== 'layers-model') {
    fail(
      source,
      '',
      `field 'format': unsupported format ${describe(modelJson.format)} (supported: layers-model)`,
    );
  }
  if (modelJson.modelTopology === undefined) fail(source, '', `field 'modelTopology' is missing`);
  const { name: modelName, layers, config: seqConfig } = sequentialLayers(modelJson.modelTopology, source);
  const entries = layoutWeights(modelJson.weightsManifest, weightData, source, options.weightFiles);

  const inputs: Value[] = [];
  const values: Value[] = [];
  const tensors: Tensor[] = [];
  const ops: Op[] = [];
  const seenNames = new Set<string>();

  // The value flowing out of the previous layer.
  let current: Value | undefined;

  const addValue = (v: Value): Value => {
    if (seenNames.has(v.name) || v.name === 'input') {
      fail(source, `value '${v.name}'`, `duplicate value name (two layers share a name)`);
    }
    seenNames.add(v.name);
    values.push(v);
    return v;
  };

  const startInput = (shape: unknown, where: string, field: string): void => {
    if (!Array.isArray(shape) || shape.length < 2) {
      fail(source, where, `field '${field}' must be [batch, ...dims], got ${describe(shape)}`);
    }
    const dims = shape.slice(1);
    if (!dims.every(isDim)) {
      fail(
        source,
        where,
        `field '${field}': every dimension after the batch must be a positive integer, got ${describe(shape)}`,
      );
    }
    current = { name: 'input', shape: dims as number[] };
    inputs.push(current);
  };

  const activation = (act: string, layerName: string, base: Value, where: string, field: string): Value => {
    if (act === 'linear') return base;
    if (act === 'relu') {
      const out = addValue({ name: `${base.name}.relu`, shape: base.shape.slice() });
      ops.push({ op: 'relu', input: base.name, output: out.name });
      return out;
    }
    if (act === 'softmax') {
      if (base.shape.length !== 1) {
        fail(
          source,
          where,
          `field '${field}': softmax is only supported over a flat vector, input of '${layerName}' has shape [${base.shape.join(', ')}]`,
        );
      }
      const out = addValue({ name: `${base.name}.softmax`, shape: base.shape.slice() });
      ops.push({ op: 'softmax', input: base.name, output: out.name });
      return out;
    }
    return fail(
      source,
      where,
      `field '${field}': unsupported activation ${describe(act)} (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
    );
  };

  layers.forEach((layer: unknown, index: number) => {
    if (!isObject(layer)) fail(source, `layer #${index}`, `expected an object, got ${describe(layer)}`);
    const cls = layer.class_name;
    const cfg = layer.config;
    const rawName =
      isObject(cfg) && typeof cfg.name === 'string'
        ? cfg.name
        : typeof layer.name === 'string'
          ? layer.name
          : undefined;
    const where = rawName !== undefined ? `layer '${rawName}'` : `layer #${index}`;
    if (typeof cls !== 'string' || !SUPPORTED_LAYERS.includes(cls)) {
      fail(
        source,
        where,
        `unsupported layer class ${typeof cls === 'string' ? cls : describe(cls)} (supported: ${SUPPORTED_LAYERS.join(', ')})`,
      );
    }
    if (!isObject(cfg)) fail(source, where, `field 'config' must be an object, got ${describe(cfg)}`);
    if (rawName === undefined) fail(source, where, `field 'name' must be a string`);
    const layerName: string = rawName;

    if (cls === 'InputLayer') {
      if (current !== undefined) fail(source, where, `InputLayer must be the first layer`);
      const shapeField = cfg.batch_input_shape !== undefined ? 'batch_input_shape' : 'batch_shape';
      startInput(batchShape(cfg), where, shapeField);
      return;
    }
    if (current === undefined) {
      const shape = batchShape(cfg);
      if (shape === undefined) {
        // Keras 3 may record the input shape only on the Sequential config.
        if (seqConfig.build_input_shape !== undefined) {
          startInput(seqConfig.build_input_shape, 'modelTopology.config', 'build_input_shape');
        } else {
          fail(
            source,
            where,
            `field 'batch_input_shape' is missing: the first layer must declare the input shape`,
          );
        }
      } else {
        startInput(shape, where, cfg.batch_input_shape !== undefined ? 'batch_input_shape' : 'batch_shape');
      }
    }
    const input = current as Value;

    switch (cls) {
      case 'Dropout':
        return; // identity at inference
      case 'Flatten': {
        const fmt = cfg.data_format;
        if (fmt !== undefined && fmt !== null && fmt !== 'channels_last' && input.shape.length > 2) {
          fail(
            source,
            where,
            `field 'data_format': unsupported value ${describe(fmt)} for a rank-${input.shape.length} input (supported: channels_last)`,
          );
        }
        const out = addValue({ name: layerName, shape: [product(input.shape)] });
        ops.push({ op: 'reshape', input: input.name, output: out.name, shape: out.shape.slice() });
        current = out;
        return;
      }
      case 'Activation': {
        const act = cfg.activation;
        if (typeof act !== 'string')
          fail(source, where, `field 'activation' must be a string, got ${describe(act)}`);
        if (act === 'linear') return;
        // The op output takes the layer's name, not '<input>.relu'.
        if (act === 'relu' || act === 'softmax') {
          if (act === 'softmax' && input.shape.length !== 1) {
            fail(
              source,
              where,
              `field 'activation': softmax is only supported over a flat vector, got input shape [${input.shape.join(', ')}]`,
            );
          }
          const out = addValue({ name: layerName, shape: input.shape.slice() });
          ops.push({ op: act, input: input.name, output: out.name });
          current = out;
          return;
        }
        fail(
          source,
          where,
          `field 'activation': unsupported activation ${describe(act)} (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
        );
        return;
      }
      case 'ReLU': {
        const checks: [string, number][] = [
          ['max_value', NaN],
          ['negative_slope', 0],
          ['threshold', 0],
        ];
        for (const [field, plain] of checks) {
          const v = cfg[field];
          const ok = v === undefined || v === null || (!Number.isNaN(plain) && v === plain);
          if (!ok)
            fail(
              source,
              where,
              `field '${field}': unsupported value ${describe(v)} (only a plain ReLU is supported)`,
            );
        }
        const out = addValue({ name: layerName, shape: input.shape.slice() });
        ops.push({ op: 'relu', input: input.name, output: out.name });
        current = out;
        return;
      }
      case 'Softmax': {
        const axis = cfg.axis;
        const axisOk =
          axis === undefined ||
          axis === null ||
          axis === -1 ||
          (Array.isArray(axis) && axis.length === 1 && axis[0] === -1) ||
          axis === input.shape.length;
        if (!axisOk) fail(source, where, `field 'axis': unsupported value ${describe(axis)} (supported: -1)`);
        if (input.shape.length !== 1) {
          fail(
            source,
            where,
            `softmax is only supported over a flat vector, got input shape [${input.shape.join(', ')}] (add a Flatten layer)`,
          );
        }
        const out = addValue({ name: layerName, shape: input.shape.slice() });
        ops.push({ op: 'softmax', input: input.name, output: out.name });
        current = out;
        return;
      }
      case 'Dense': {
        const units = cfg.units;
        if (!isDim(units))
          fail(source, where, `field 'units' must be a positive integer, got ${describe(units)}`);
        if (input.shape.length !== 1) {
          fail(
            source,
            where,
            `Dense input must be a flat vector, got shape [${input.shape.join(', ')}] (Keras applies Dense over the last axis; add a Flatten layer first)`,
          );
        }
        const inFeatures = input.shape[0];
        const useBias = cfg.use_bias === undefined ? true : cfg.use_bias;
        if (typeof useBias !== 'boolean')
          fail(source, where, `field 'use_bias' must be a boolean, got ${describe(useBias)}`);
        const act = cfg.activation === undefined || cfg.activation === null ? 'linear' : cfg.activation;
        if (typeof act !== 'string' || !SUPPORTED_ACTIVATIONS.includes(act)) {
          fail(
            source,
            where,
            `field 'activation': unsupported activation ${describe(act)} (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
          );
        }

        const kernel = findWeight(entries, layerName, 'kernel');
        if (!kernel) fail(source, where, `field 'weightsManifest': no weight named '${layerName}/kernel'`);
        if (kernel.used) fail(source, where, `weight '${kernel.name}' is claimed by two layers`);
        if (kernel.shape.length !== 2 || kernel.shape[0] !== inFeatures || kernel.shape[1] !== units) {
          fail(
            source,
            where,
            `weight '${kernel.name}' has shape [${kernel.shape.join(', ')}], expected [${inFeatures}, ${units}] (input features, units)`,
          );
        }
        kernel.used = true;
        // TF.js stores the kernel as [in, out]; the IR wants [out, in].
        const k = readFloat32(weightData, kernel);
        const w = new Float32Array(units * inFeatures);
        for (let i = 0; i < inFeatures; i++) {
          for (let o = 0; o < units; o++) w[o * inFeatures + i] = k[i * units + o];
        }
        const weightName = `${layerName}.weight`;
        tensors.push({
          name: weightName,
          shape: [units, inFeatures],
          encoding: { kind: 'float32', data: w },
        });

        let biasName: string | undefined;
        if (useBias) {
          const bias = findWeight(entries, layerName, 'bias');
          if (!bias)
            fail(
              source,
              where,
              `field 'use_bias' is true but the manifest has no weight named '${layerName}/bias'`,
            );
          if (bias.used) fail(source, where, `weight '${bias.name}' is claimed by two layers`);
          if (bias.shape.length !== 1 || bias.shape[0] !== units) {
            fail(
              source,
              where,
              `weight '${bias.name}' has shape [${bias.shape.join(', ')}], expected [${units}]`,
            );
          }
          bias.used = true;
          biasName = `${layerName}.bias`;
          tensors.push({
            name: biasName,
            shape: [units],
            encoding: { kind: 'float32', data: readFloat32(weightData, bias) },
          });
        }

        const out = addValue({ name: layerName, shape: [units] });
        const op: Op = { op: 'dense', input: input.name, output: out.name, weight: weightName };
        if (biasName !== undefined) op.bias = biasName;
        ops.push(op);
        current = activation(act, layerName, out, where, 'activation');
        return;
      }
    }
  });

  if (current === undefined) fail(source, '', `the model has no layers`);
  const unused = entries.filter((e) => !e.used);
  if (unused.length > 0) {
    fail(
      source,
      `weight '${unused[0].name}'`,
      `not used by any supported layer (${unused.length} unused weight(s))`,
    );
  }

  const metadata: Graph['metadata'] = {};
  const name = options.name ?? modelName;
  if (name !== undefined) metadata.name = name;
  if (options.labels) {
    const lastShape = current.shape;
    if (lastShape.length !== 1 || lastShape[0] !== options.labels.length) {
      fail(
        source,
        '',
        `${options.labels.length} labels given but the model's output has shape [${lastShape.join(', ')}]`,
      );
    }
    metadata.labels = options.labels.slice();
  }
  const extra: Record<string, string> = { importer: 'tfjs-layers' };
  if (typeof modelJson.generatedBy === 'string') extra.generatedBy = modelJson.generatedBy;
  const topo = modelJson.modelTopology as Json;
  if (typeof topo.keras_version === 'string') extra.kerasVersion = topo.keras_version;
  metadata.extra = extra;

  return { inputs, outputs: [current.name], values, tensors, ops, metadata };
}

/**
 * Reads `model.json` and the weight files its manifest names (relative to its folder)
 * and imports them. Weight paths must stay inside that folder.
 */
export async function importTfjsLayersFile(
  modelJsonPath: string,
  options: TfjsLayersImportOptions = {},
): Promise<Graph> {
  const text = await readFile(modelJsonPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`mote: ${modelJsonPath}: not valid JSON (${(e as Error).message})`);
  }
  const dir = path.dirname(path.resolve(modelJsonPath));
  const files: { path: string; byteLength: number }[] = [];
  const chunks: Uint8Array[] = [];
  const manifest = isObject(json) ? json.weightsManifest : undefined;
  if (Array.isArray(manifest)) {
    for (const [g, group] of manifest.entries()) {
      const paths = isObject(group) ? group.paths : undefined;
      if (!Array.isArray(paths)) continue; // importTfjsLayers reports the malformed group
      for (const p of paths) {
        if (typeof p !== 'string') continue;
        const rel = decodeURIComponent(p);
        const full = path.resolve(dir, rel);
        if (path.isAbsolute(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel) || !full.startsWith(dir + path.sep)) {
          throw new Error(
            `mote: ${modelJsonPath} weightsManifest[${g}]: field 'paths': weight file '${p}' must be a relative path inside ${dir}`,
          );
        }
        let bytes: Uint8Array;
        try {
          bytes = await readFile(full);
        } catch (e) {
          throw new Error(`mote: ${modelJsonPath}: cannot read weight file ${full}: ${(e as Error).message}`);
        }
        files.push({ path: full, byteLength: bytes.length });
        chunks.push(bytes);
      }
    }
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return importTfjsLayers(json, data, modelJsonPath, {
    ...options,
    weightFiles: options.weightFiles ?? files,
  });
}
