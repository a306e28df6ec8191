import { compileFile, type CompileOptions } from '../compile.js';
import { inspect } from '../format/inspect.js';
import { formatInspect } from './inspect.js';
import { numberFlag, UsageError } from './usage.js';

export const compileHelp = `mote compile <model.onnx|model.tflite|model.json|model.mote> -o <out.mote> [options]

Imports a model (ONNX, TFLite flatbuffer, TF.js Layers model.json, or a .mote), compresses its
dense weights and writes a .mote. The output is written atomically: on error nothing is
left behind. int8 TFLite models stay int8 and run on integer kernels.

  --prune F        zero the fraction F (0..1) of each weight matrix by magnitude; stored sparse
  --cluster B      share weights through 2^B k-means clusters (B in 1..8)
  --int8           affine int8, one scale per output neuron
  --binary         binary weights: sign × per-row scale
  --gap-bits N     relative-index width for sparse weights (default 5)
  --fixed          pack indices and gaps at a fixed width instead of Huffman coding
  --labels a,b,c   class labels to store in the metadata
  --requantize M   int8 models: 'fixed-point' (TFLite reference kernels, TFLite Micro; default)
                   or 'float32' (as XNNPACK, which TFLite's WebAssembly build uses)
  --json           print the inspect report of the result as JSON`;

export interface CompileFlags {
  prune?: string;
  cluster?: string;
  int8?: boolean;
  binary?: boolean;
  'gap-bits'?: string;
  fixed?: boolean;
  labels?: string;
  requantize?: string;
}

export function compileOptions(f: CompileFlags): CompileOptions {
  if (f.int8 && f.binary) throw new UsageError('--int8 and --binary exclude each other');
  if ((f.int8 || f.binary) && f.cluster !== undefined)
    throw new UsageError('--cluster cannot be combined with --int8 or --binary');
  const clusterBits = numberFlag('cluster', f.cluster, 1, 8);
  const gapBits = numberFlag('gap-bits', f['gap-bits'], 1, 8);
  if (clusterBits !== undefined && !Number.isInteger(clusterBits))
    throw new UsageError('--cluster must be a whole number of bits');
  if (gapBits !== undefined && !Number.isInteger(gapBits))
    throw new UsageError('--gap-bits must be a whole number of bits');
  if (f.requantize !== undefined && f.requantize !== 'fixed-point' && f.requantize !== 'float32')
    throw new UsageError(`--requantize must be 'fixed-point' or 'float32', not '${f.requantize}'`);
  return {
    requantize: f.requantize,
    prune: numberFlag('prune', f.prune, 0, 0.999),
    clusterBits,
    gapBits,
    quantize: f.int8 ? 'int8' : f.binary ? 'binary' : undefined,
    coding: f.fixed ? 'fixed' : 'huffman',
    labels: f.labels?.split(','),
  };
}

export async function compileCommand(
  input: string,
  output: string,
  flags: CompileFlags,
  json: boolean,
): Promise<string> {
  const bytes = await compileFile(input, output, compileOptions(flags));
  const report = inspect(bytes);
  return json ? JSON.stringify(report, null, 2) : formatInspect(output, report);
}
