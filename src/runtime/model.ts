// load(): parse and check a .mote, then plan memory once; run(): one inference.
import { fail } from './errors.js';
import { readContainer, Sections } from './container.js';
import { KIND_FLOAT32, KIND_INT8, KIND_SPARSE, readTensors, TensorInfo } from './tensors.js';
import { GraphInfo, readGraph } from './graph.js';
import { ExitInfo, readExits } from './exits.js';
import {
  NO_TENSOR,
  OP_ADD,
  OP_AVGPOOL,
  OP_CONCAT,
  OP_CONV2D,
  OP_DENSE,
  OP_GLOBALAVGPOOL,
  OP_LOGSOFTMAX,
  OP_MAXPOOL,
  OP_MUL,
  OP_NAMES,
  OP_PAD,
  OP_PRELU,
  OP_MATMUL,
  OP_RELU,
  OP_LEAKYRELU,
  OP_ELU,
  OP_SELU,
  OP_SIGMOID,
  OP_TANH,
  OP_SOFTPLUS,
  OP_CLIP,
  OP_REDUCEMEAN,
  OP_RESHAPE,
  OP_SOFTMAX,
  OP_TRANSPOSE,
} from './ops.js';
import { checkStored, decodeTensor, readValues, restart, valueReader, ValueReader } from './decode.js';
import { dense, denseRows, denseSparse, Native, softmax } from './kernels.js';
import { convChannel, ConvShape, convShape } from './conv.js';
import { globalAvgPool, pool2d } from './pool.js';
import { activate, logSoftmax } from './activations.js';
import { binary, concat, matmul, pad, reduceMean, transpose } from './elementwise.js';
import { le32, readFromFlash, utf8 } from './cursor.js';
import { copyBlock, flashCrc, FlashFile, freeVariables, openFlash, readBlock } from './flash.js';
import { FormTensor, formSize, readForm, Rows, rowCount, rowKind, writeForm } from './device-form.js';
import { denseFlash, rowValues, RowNative } from './flash-kernels.js';
import { convPatches, patchable, patchIndex } from './conv-patches.js';
import type { QuantInfo, QuantPlan } from './quant.js';
import type * as Quant from './quant.js';

/**
 * The int8 kernels, when this runtime has them: they register themselves
 * (src/runtime/int8-support.ts), so a device that runs only float models ships without
 * them, as TFLite Micro links only the kernels a model needs.
 */
var int8: typeof Quant | null = null;
export function useInt8(q: typeof Quant): void {
  int8 = q;
}

export interface LoadOptions {
  /**
   * 'stream' (default): compressed weights are decoded from the file one row at a time,
   * at every inference, into a buffer of one row; RAM holds activations and one row.
   * 'cache': every weight is decoded once at load; faster, RAM holds all weights.
   * 'install': as 'stream', for a model in its installed form (src/format/install.ts:
   * streams of one byte per symbol, decoded once at install time and kept in flash);
   * symbols are read a byte at a time, with no Huffman work per inference.
   */
  plan?: string;
  /** Refuse to load a model whose planned allocations exceed this many bytes. */
  memoryLimit?: number;
  /** A host accelerator (src/wasm) that runs some ops instead of the JS kernels. */
  accelerator?: Accelerator;
}

/**
 * Host code passes one in (the WASM bytes never enter this bundle). prepare() may move
 * the model's activation buffers (keeping their slots) and returns, per op, a function
 * that runs it, or null where the JS kernel runs it on the same buffers.
 */
export interface Accelerator {
  name: string;
  prepare(m: Model): ((() => void) | null)[];
}

export interface Memory {
  /** Activation buffers, after reuse across layers. */
  activations: number;
  /** Decoded weights kept in RAM (biases, and every weight in 'cache' plan). */
  resident: number;
  /** The row buffer that streamed weights are decoded into. */
  scratch: number;
  /** The sum: every byte the runtime allocates for this model. */
  peak: number;
}

export interface Model {
  bytes: Uint8Array;
  meta: { [key: string]: unknown };
  tensors: TensorInfo[];
  graph: GraphInfo;
  plan: string;
  /** Per value: its buffer (a view into a shared slot). */
  buffers: Float32Array[];
  /** Per tensor: float32 weights held in RAM or viewed in the file, else null (decoded per run). */
  weights: (Float32Array | null)[];
  /** Per tensor: a reader over its stored values, for weights decoded at every run. */
  readers: (ValueReader | null)[];
  row: Float32Array;
  /** Per op: a conv's shape and attributes, else null. */
  convs: (ConvShape | null)[];
  /** Per op: the patch kernel's gather index (conv-patches.ts), where it runs the conv. */
  patchIdx: (Uint16Array | null)[];
  /** One receptive field, gathered (the largest patch of any conv), and the weight block size. */
  patch: Float32Array;
  patchBlock: number;
  /** Per op: true where its work is already done by the op before (a fused ReLU). */
  skip: boolean[];
  /** Per op: true where a dense op over flash rows clamps its outputs at 0 (a fused ReLU). */
  relu: boolean[];
  /** The index odometer of the tensor-walking kernels (rank ≤ 8). */
  idx: number[];
  chunkGaps: Uint8Array;
  chunkValues: Float32Array;
  /** int8 graphs: the QUAN section, each op's integer parameters, each int8 value's buffer. */
  quant: QuantInfo | null;
  qplans: QuantPlan[];
  qbufs: (Int8Array | null)[];
  memory: Memory;
  macs: number;
  /** Espruino's native helpers when the engine has them (E.convolve), else null. */
  native: Native | null;
  /** 'js', or the accelerator's name; and per op the accelerator's runner, if any. */
  engine: string;
  fast: ((() => void) | null)[];
  /** Early-exit heads (EXIT section), in graph order; empty for most models. */
  exits: ExitInfo[];
  /** Loaded by name from Storage (plan 'flash'): per tensor, its rows in flash, else null. */
  rows: (Rows | null)[];
  /** Plan 'flash': a sparse row's gathered inputs. */
  gathered: Float32Array;
}

export interface RunOptions {
  /** Time each op and report it in `profile`. */
  profile?: boolean;
}

/** What one op cost in one run. */
export interface OpProfile {
  /** The op's output value name. */
  name: string;
  op: string;
  /**
   * dense (resident weights), dense-decode (rows decoded per run), dense-sparse,
   * conv2d / conv2d-decode, depthwise / depthwise-decode (one input channel per group),
   * else the op's name (relu, softmax, reshape, maxpool, add, ...); int8 ops carry an
   * 'int8-' prefix (int8-conv2d, int8-dense-decode, int8-softmax, ...).
   */
  kernel: string;
  macs: number;
  /** Bits of Huffman or fixed-width streams decoded by this op. */
  bits: number;
  /** Output elements written. */
  elements: number;
  ms: number;
}

export interface RunResult {
  /** Float outputs (int8 outputs dequantized). */
  outputs: Float32Array[];
  /** Per output: its int8 values when the output is int8, else null. */
  quantized: (Int8Array | null)[];
  profile?: OpProfile[];
  /** Index of the largest value of the first output (the predicted class). */
  label: number;
  macs: number;
}

var DEFAULT_LIMIT = 64 * 1024 * 1024;
/** Sparse entries decoded per step by the sparse kernel. */
var CHUNK = 64;

/**
 * Reads a model: its bytes, or on Espruino the name of a Storage file (plan 'flash': the
 * file stays in flash, weights are read a row at a time, compressed ones from the device
 * form that the first load writes beside it; see device-form.ts).
 */
export function load(src: Uint8Array | string, options?: LoadOptions): Model {
  if (typeof src !== 'string') return loadBytes(src, options || {}, null);
  var f = openFlash(src);
  // Header and tables are read from flash; arrays in them are copied out a block at a time.
  readFromFlash({
    block: function (at: number, n: number) {
      return copyBlock(f, at, n);
    },
    lazyFloats: LAZY_FLOATS,
  });
  try {
    return loadBytes(f.view, options || {}, f);
  } finally {
    readFromFlash(null);
  }
}

/** float32 blobs longer than this stay in flash when a model is loaded by name. */
var LAZY_FLOATS = 256;

function loadBytes(bytes: Uint8Array, opts: LoadOptions, flash: FlashFile | null): Model {
  var plan = flash ? 'flash' : opts.plan || 'stream';
  if (plan !== 'stream' && plan !== 'cache' && plan !== 'install' && plan !== 'flash')
    fail('options', 0, "plan must be 'stream' or 'cache' or 'install', not '" + plan + "'");
  if (plan === 'flash' && !flash) fail('options', 0, "plan 'flash' is for models loaded by Storage name");
  var limit = opts.memoryLimit || DEFAULT_LIMIT;
  var s = readContainer(
    bytes,
    flash
      ? function (start: number, end: number) {
          return flashCrc(flash, start, end - start);
        }
      : null,
  );
  var meta = readMeta(bytes, s);
  var tensors = readTensors(bytes, s);
  var graph = readGraph(bytes, s, tensors);
  var quant = int8
    ? int8.readQuant(bytes, s, graph, tensors)
    : s.start.QUAN === undefined
      ? null
      : fail(
          'section QUAN',
          s.start.QUAN,
          'an int8 model, and this runtime has no int8 kernels (mote-runtime-int8.js)',
        );
  var exits = readExits(bytes, s, graph);
  var nat = native();
  if (flash && !(nat && typeof nat.mapInPlace === 'function'))
    fail('load', 0, 'loading by name needs E.convolve and E.mapInPlace (Espruino)');
  // Weights and biases of int8 ops stay integers, viewed in the file: never decoded to floats.
  var intOnly: boolean[] = [];

  // Decide which weights live in RAM before allocating anything, so an over-budget
  // model fails without having allocated. Only dense and conv weights are streamed a
  // row at a time; biases, slopes and constant operands are decoded once.
  var isBias: boolean[] = [];
  var macs = 0;
  for (var i = 0; i < graph.ops.length; i++) {
    var gop = graph.ops[i];
    if (gop.bias !== NO_TENSOR) isBias[gop.bias] = true;
    if (quant && quant.isQ[gop.output]) {
      intOnly[gop.weight] = true;
      intOnly[gop.bias] = true;
    }
    if (gop.weight !== NO_TENSOR && gop.code !== OP_DENSE && gop.code !== OP_CONV2D)
      isBias[gop.weight] = true;
    macs += gop.macs;
  }
  var resident = 0;
  var rowSize = 0;
  var chunk = 0;
  // Plan 'flash': float32 weights read in place, compressed ones through the device form.
  var inPlace: boolean[] = [];
  var formed: number[] = [];
  for (i = 0; i < tensors.length; i++) {
    var t = tensors[i];
    if (intOnly[i]) continue;
    if (flash && t.kind === KIND_FLOAT32 && !t.floats) {
      // Left in flash by the reader: a streamed weight stays there, anything else is copied.
      if (isBias[i]) {
        t.floats = new Float32Array(copyBlock(flash, t.start, t.size * 4));
        resident += t.size * 4;
      } else {
        inPlace[i] = true;
        rowSize = Math.max(rowSize, rowLength(t));
      }
      continue;
    }
    if (t.kind === KIND_FLOAT32 || t.kind === KIND_INT8) {
      // A view into the file costs no RAM; a copy (where the engine cannot view there) does.
      var data = t.kind === KIND_FLOAT32 ? t.floats! : t.q!;
      if (!t.viewed) resident += data.byteLength;
      if (t.kind === KIND_FLOAT32) continue;
    }
    if (plan === 'cache' || isBias[i]) resident += t.size * 4;
    else {
      var rowLen = rowLength(t);
      if (rowLen > rowSize) rowSize = rowLen;
      if (flash) formed.push(i);
      else if (t.kind === KIND_SPARSE) chunk = CHUNK;
    }
  }
  // int8 ops' weights stay in the file; int8-stream ones are decoded a row at a time.
  var qrow = quant ? int8!.quantMemory(graph, tensors, quant) : 0;
  var slots = planBuffers(graph, quant);
  var activations = 0;
  for (i = 0; i < slots.sizes.length; i++) activations += slots.sizes[i] * 4;
  // Convs the patch kernel runs (Espruino): an index, a shared patch, a block of weights.
  var convs: (ConvShape | null)[] = [];
  var patchSize = 0;
  var patchBytes = 0;
  for (i = 0; i < graph.ops.length; i++) {
    var cop = graph.ops[i];
    var cs =
      cop.code === OP_CONV2D
        ? convShape(
            graph.values[cop.input].shape,
            graph.values[cop.output].shape,
            tensors[cop.weight].shape,
            cop.p,
          )
        : null;
    convs.push(cs);
    if (cs && usePatches(nat, cs, tensors[cop.weight], quant !== null && !!quant.isQ[cop.output])) {
      var K = cs.kh * cs.kw * cs.c;
      patchSize = Math.max(patchSize, K);
      patchBytes += K * 2;
    }
  }
  // The weight block is sized once the model's buffers exist (patchBlockBytes); 4 KB at least.
  if (patchSize) patchBytes += patchSize * 4 + Math.max(4096, patchSize * 4);
  // One row of decoded weights (plan 'flash': a row read from flash and a row of gathered
  // inputs or unpacked codes), the sparse kernel's entry chunks, int8-stream weights' row.
  var scratchBytes = rowSize * 4 * (flash ? 2 : 1) + chunk * 5 + qrow + patchBytes;
  var memory: Memory = {
    activations: activations,
    resident: resident,
    scratch: scratchBytes,
    peak: activations + resident + scratchBytes,
  };
  checkVariables(memory, slots.sizes.length, graph.ops.length);
  if (memory.peak > limit) {
    fail(
      'model',
      0,
      'needs ' +
        memory.peak +
        ' bytes of RAM (activations ' +
        activations +
        ', weights ' +
        resident +
        ', scratch ' +
        scratchBytes +
        '), over the limit of ' +
        limit,
    );
  }

  var m: Model = {
    bytes: bytes,
    meta: meta,
    tensors: tensors,
    graph: graph,
    plan: plan,
    buffers: [],
    weights: [],
    readers: [],
    row: new Float32Array(rowSize),
    convs: convs,
    patchIdx: [],
    patch: new Float32Array(patchSize),
    patchBlock: 4096,
    skip: [],
    relu: [],
    idx: [0, 0, 0, 0, 0, 0, 0, 0],
    chunkGaps: new Uint8Array(chunk),
    chunkValues: new Float32Array(chunk),
    quant: quant,
    qplans: [],
    qbufs: [],
    memory: memory,
    macs: macs,
    // Detected once: Espruino's E.convolve computes a row's dot product in C.
    native: nat,
    engine: 'js',
    fast: [],
    exits: exits,
    rows: [],
    gathered: new Float32Array(flash ? rowSize : 0),
  };
  // Before the activations are allocated: a first load decodes the device form, which
  // needs memory of its own for a while.
  if (flash) flashRows(m, flash, inPlace, formed, bytes);
  for (i = 0; i < graph.ops.length; i++) {
    var pc = convs[i];
    m.patchIdx.push(
      pc && patchSize && usePatches(nat, pc, tensors[graph.ops[i].weight], !!m.qbufs[graph.ops[i].output])
        ? patchIndex(pc)
        : null,
    );
  }
  var slotArrays: Float32Array[] = [];
  for (i = 0; i < slots.sizes.length; i++) slotArrays.push(new Float32Array(slots.sizes[i]));
  for (i = 0; i < graph.values.length; i++) {
    var slot = slots.ofValue[i];
    var isQ = quant && quant.isQ[i] && slot >= 0;
    m.buffers.push(
      slot >= 0 && !isQ ? slotArrays[slot].subarray(0, graph.values[i].size) : new Float32Array(0),
    );
    m.qbufs.push(isQ ? new Int8Array(slotArrays[slot].buffer, 0, graph.values[i].size) : null);
  }
  if (quant) m.qplans = int8!.prepareQuant(graph, tensors, quant, bytes);
  if (flash) residentCodes(m);
  if (nat && typeof nat.mapInPlace === 'function' && !opts.accelerator) fuseRelus(m, slots.ofValue);
  if (patchSize) m.patchBlock = patchBlockBytes();
  // Decode every compressed tensor once now: resident ones are kept, and the others
  // are read through once, so a corrupt stream fails at load rather than mid-inference.
  for (i = 0; i < tensors.length; i++) {
    t = tensors[i];
    var w: Float32Array | null = null;
    var r: ValueReader | null = null;
    if (intOnly[i] || m.rows[i]) {
      // Read by the int8 kernels straight from the file, or a row at a time from flash.
    } else if (t.kind === KIND_FLOAT32) {
      w = t.floats;
    } else if (plan === 'cache' || isBias[i]) {
      w = new Float32Array(t.size);
      decodeTensor(bytes, t, w);
    } else {
      r = valueReader(bytes, t);
      checkStored(r, m.row);
    }
    m.weights.push(w);
    m.readers.push(r);
  }
  if (opts.accelerator) {
    m.fast = opts.accelerator.prepare(m);
    m.engine = opts.accelerator.name;
  }
  return m;
}

/**
 * On Espruino, a ReLU that runs in place on the output of a conv or a dense op over flash
 * rows that nothing else reads becomes that op's clamp at 0, and its own pass over the
 * output (JS per element there) is skipped.
 */
function fuseRelus(m: Model, slotOf: number[]): void {
  var g = m.graph;
  var readers: number[] = [];
  var i: number;
  for (i = 0; i < g.ops.length; i++)
    for (var j = 0; j < g.ops[i].inputs.length; j++)
      readers[g.ops[i].inputs[j]] = (readers[g.ops[i].inputs[j]] || 0) + 1;
  for (i = 0; i < g.outputs.length; i++) readers[g.outputs[i]] = 2;
  for (i = 0; i + 1 < g.ops.length; i++) {
    var c = m.convs[i];
    var op = g.ops[i];
    var relu = g.ops[i + 1];
    var dense = op.code === OP_DENSE && m.rows[op.weight];
    if (!(c || dense) || m.qbufs[op.output] || relu.code !== OP_RELU || relu.input !== op.output) continue;
    if (readers[op.output] !== 1 || slotOf[relu.output] !== slotOf[op.output]) continue;
    if (c && c.lo < 0) c.lo = 0;
    m.relu[i] = !c;
    m.skip[i + 1] = true;
  }
}

/** Element-wise ops that may write over their input (activations.ts activate). */
var ACTIVATIONS = [OP_RELU, OP_LEAKYRELU, OP_ELU, OP_SELU, OP_SIGMOID, OP_TANH, OP_SOFTPLUS, OP_CLIP];

/** Espruino's native helpers, when this engine has them (E.convolve at least). */
function native(): (Native & RowNative) | null {
  return typeof E !== 'undefined' && E && typeof E.convolve === 'function' ? E : null;
}

/**
 * On engines that count memory in variables (Espruino), refuses a model whose buffers
 * would not fit before allocating them: running out there cannot be caught. A typed
 * array of n bytes takes ceil(n / blocksize) variables and a few for its header.
 */
function checkVariables(memory: Memory, arrays: number, ops: number): void {
  var v = freeVariables();
  if (!v) return;
  // Per op: its view objects and the transient row blocks; 64 for the model object itself.
  var need = Math.ceil(memory.peak / v.blocksize) + 4 * arrays + 8 * ops + 64;
  if (need > v.free)
    fail(
      'model',
      0,
      'needs about ' +
        need +
        ' variables of ' +
        v.blocksize +
        ' bytes (' +
        memory.peak +
        ' bytes of buffers), and ' +
        v.free +
        ' are free',
    );
}

/**
 * Plan 'flash': where each streamed weight's rows are. float32 weights are rows of the
 * model file itself; compressed ones come from the device form in `<name>.d`, written
 * now when it is missing or belongs to another version of the model.
 */
function flashRows(m: Model, f: FlashFile, inPlace: boolean[], formed: number[], bytes: Uint8Array): void {
  var tensors = m.tensors;
  var i: number;
  for (i = 0; i < tensors.length; i++) {
    var t = tensors[i];
    m.rows.push(
      inPlace[i]
        ? {
            block: function (at: number, n: number) {
              return readBlock(f, at, n);
            },
            kind: 0,
            rows: rowCount(t),
            rowLength: rowLength(t),
            at: t.start,
            table: null,
            bits: 0,
            rowBytes: 0,
            codebook: null,
            packed: null,
          }
        : null,
    );
  }
  if (!formed.length) return;
  var crc = le32(bytes, bytes.length - 4);
  var name = f.name + '.d';
  var st = f.storage;
  var form = st.read(name);
  var dev: FlashFile | null = form === undefined ? null : openFlash(name);
  function block(at: number, n: number): ArrayBuffer {
    return readBlock(dev!, at, n);
  }
  var kinds = formed.map(function (i) {
    return rowKind(tensors[i], isConvWeight(m, i));
  });
  function copy(at: number, n: number): ArrayBuffer {
    return copyBlock(dev!, at, n);
  }
  var rows = dev ? readForm(block, copy, dev.size, crc, formed, kinds, tensors) : null;
  if (!rows) {
    st.erase(name);
    // Decoded straight from flash: the streams are read once, in order, so a RAM copy of
    // each blob would only cost memory (which a first load on a small watch lacks).
    var list: FormTensor[] = [];
    for (i = 0; i < formed.length; i++)
      list.push({ index: formed[i], t: tensors[formed[i]], kind: kinds[i], bytes: bytes });
    var size = formSize(list);
    writeForm(list, crc, function (data: Uint8Array, at: number) {
      if (!st.write(name, data, at, size))
        fail(name, at, 'Storage is full: the decoded weights need ' + size + ' bytes');
    });
    dev = openFlash(name);
    rows = readForm(block, copy, dev.size, crc, formed, kinds, tensors);
    if (!rows) fail(name, 0, 'the decoded weights did not read back');
  }
  for (i = 0; i < formed.length; i++) m.rows[formed[i]] = rows![i];
}

/**
 * Code rows move into RAM while they take at most a quarter of the free variables (and
 * stay under the 64 KB view limit): a row then costs no flash read, only its unpacking.
 * The digits MLP's 3-bit codes are 20 KB, read from flash they would cost ~1 µs a byte.
 */
function residentCodes(m: Model): void {
  var v = freeVariables();
  if (!v) return;
  var budget = (v.free * v.blocksize) / 4;
  for (var i = 0; i < m.rows.length; i++) {
    var w = m.rows[i];
    var bytes = w ? w.rows * w.rowBytes : 0;
    if (!w || !w.codebook || bytes > 65536 || bytes > budget) continue;
    w.packed = new Uint8Array(new Uint8Array(w.block(w.at, bytes)));
    budget -= bytes;
    m.memory.resident += bytes;
    m.memory.peak += bytes;
  }
}

/**
 * Weight bytes the patch kernel holds at once, sized after the model's buffers exist: an
 * eighth of the memory still free, 4 to 16 KB (LeNet-5's second conv gathers its 64
 * patches 25 times with 4 KB, 7 times with 16 KB).
 */
function patchBlockBytes(): number {
  var v = freeVariables();
  var bytes = v ? Math.floor((v.free * v.blocksize) / 8) : 4096;
  return Math.max(4096, Math.min(16384, bytes));
}

/**
 * Whether the patch kernel runs this conv: on Espruino (E.mapInPlace), float, no padding,
 * and weights it can take in blocks (rows in flash, or in RAM below the 64 KB view limit).
 */
function usePatches(nat: (Native & RowNative) | null, s: ConvShape, w: TensorInfo, isInt8: boolean): boolean {
  if (!nat || typeof nat.mapInPlace !== 'function' || isInt8 || !patchable(s)) return false;
  return w.kind !== KIND_FLOAT32 || !w.floats || w.size * 4 <= 65536;
}

/** Whether tensor `t` is the weight of a conv op (its rows are read whole). */
export function isConvWeight(m: Model, t: number): boolean {
  for (var o = 0; o < m.graph.ops.length; o++)
    if (m.graph.ops[o].code === OP_CONV2D && m.graph.ops[o].weight === t) return true;
  return false;
}

/** Values in one streamed row: a dense row, or one conv output channel's [kH, kW, inC/groups]. */
function rowLength(t: TensorInfo): number {
  return t.shape.length > 1 ? t.size / t.shape[0] : t.size;
}

function readMeta(bytes: Uint8Array, s: Sections): { [key: string]: unknown } {
  var text = utf8(bytes, s.start.META, s.end.META, 'section META');
  var meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (_e) {
    fail('section META', s.start.META, 'metadata is not valid JSON');
  }
  if (!meta || typeof meta !== 'object' || meta instanceof Array)
    fail('section META', s.start.META, 'metadata must be a JSON object');
  var norm = (meta as { normalization?: { mean?: unknown; std?: unknown } }).normalization;
  if (norm !== undefined && !(norm && numbers(norm.mean, false) && numbers(norm.std, true))) {
    fail(
      'section META',
      s.start.META,
      'normalization must hold non-empty number arrays mean and std (std non-zero)',
    );
  }
  return meta as { [key: string]: unknown };
}

/** A non-empty array of finite numbers (and none zero, if asked). */
function numbers(a: unknown, nonZero: boolean): boolean {
  if (!(a instanceof Array) || a.length === 0) return false;
  for (var i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number' || !isFinite(a[i]) || (nonZero && a[i] === 0)) return false;
  }
  return true;
}

/**
 * Assigns each value a buffer slot, reusing a slot once every value in it has been
 * read for the last time. Reshape shares its input's slot (same data, new shape).
 */
function planBuffers(g: GraphInfo, quant: QuantInfo | null): { sizes: number[]; ofValue: number[] } {
  // Slots are counted in float32s; an int8 value needs a quarter as many.
  function size(v: number): number {
    return quant && quant.isQ[v] ? Math.ceil(g.values[v].size / 4) : g.values[v].size;
  }
  var lastUse: number[] = [];
  var i: number;
  var n = g.ops.length;
  for (i = 0; i < g.ops.length; i++)
    for (var j = 0; j < g.ops[i].inputs.length; j++) lastUse[g.ops[i].inputs[j]] = i;
  for (i = 0; i < g.outputs.length; i++) lastUse[g.outputs[i]] = n;
  var sizes: number[] = [];
  var users: number[] = [];
  var ofValue: number[] = [];
  for (i = 0; i < g.values.length; i++) ofValue.push(-1);
  // Best fit among free slots; else grow the largest free one; else a new slot.
  function take(size: number): number {
    var fit = -1;
    var grow = -1;
    for (var k = 0; k < sizes.length; k++) {
      if (users[k] > 0) continue;
      if (sizes[k] >= size) {
        if (fit < 0 || sizes[k] < sizes[fit]) fit = k;
      } else if (grow < 0 || sizes[k] > sizes[grow]) grow = k;
    }
    var best = fit >= 0 ? fit : grow;
    if (best < 0) {
      sizes.push(0);
      users.push(0);
      best = sizes.length - 1;
    }
    if (sizes[best] < size) sizes[best] = size;
    users[best] = 1;
    return best;
  }
  for (i = 0; i < g.inputs.length; i++) ofValue[g.inputs[i]] = take(size(g.inputs[i]));
  for (i = 0; i < n; i++) {
    var op = g.ops[i];
    // Reshape shares its input's slot; so does an activation that is its input's last
    // reader (it works element by element, so in place): LeNet-5's first ReLU would
    // otherwise take 46 KB, a third of a Bangle.js 2's memory.
    var inPlace =
      op.code === OP_RESHAPE ||
      (ACTIVATIONS.indexOf(op.code) >= 0 &&
        lastUse[op.input] === i &&
        ofValue[op.input] >= 0 &&
        !(quant && (quant.isQ[op.output] || quant.isQ[op.input])));
    if (inPlace) {
      ofValue[op.output] = ofValue[op.input];
      users[ofValue[op.input]]++;
    } else {
      ofValue[op.output] = take(size(op.output));
    }
    for (j = 0; j < op.inputs.length; j++) {
      var v = op.inputs[j];
      // A value read twice by one op (add(x, x)) frees its slot once.
      if (lastUse[v] === i && op.inputs.indexOf(v) === j) users[ofValue[v]]--;
    }
    // An output nobody reads frees its slot at once.
    if (lastUse[op.output] === undefined) users[ofValue[op.output]]--;
  }
  return { sizes: sizes, ofValue: ofValue };
}

/** The kernel that runs op `o` (see OpProfile.kernel). */
function kernelOf(m: Model, o: number): string {
  var op = m.graph.ops[o];
  var c = m.convs[o];
  var decoded = m.rows[op.weight] ? '-flash' : m.weights[op.weight] ? '' : '-decode';
  var plan = m.qplans[o];
  // int8 ops: int8-conv2d, int8-depthwise, int8-dense, ...; '-decode' when the weights are streamed.
  if (plan && plan.q) {
    decoded = plan.reader ? '-decode' : '';
    if (op.code !== OP_DENSE && !c) return 'int8-' + OP_NAMES[op.code];
  }
  var prefix = plan && plan.q ? 'int8-' : '';
  if (c) return prefix + (c.icg === 1 && c.c > 1 ? 'depthwise' : 'conv2d') + decoded;
  if (prefix) return prefix + 'dense' + decoded;
  if (op.code !== OP_DENSE) return OP_NAMES[op.code];
  if (!decoded) return 'dense';
  var sparse = m.tensors[op.weight].kind === KIND_SPARSE;
  return sparse ? 'dense-sparse' + (decoded === '-flash' ? '-flash' : '') : 'dense' + decoded;
}

/** Stream bits op `o` decodes per run (streamed weights only). */
function bitsOf(m: Model, o: number): number {
  var op = m.graph.ops[o];
  if ((op.code !== OP_DENSE && op.code !== OP_CONV2D) || m.weights[op.weight] || m.rows[op.weight]) return 0;
  var t = m.tensors[op.weight];
  return ((t.index ? t.index.end - t.index.start : 0) + (t.gaps ? t.gaps.end - t.gaps.start : 0)) * 8;
}

/** Espruino's global of native helpers (absent elsewhere). */
declare var E: (Native & RowNative) | undefined;

/** Milliseconds from the best clock the engine has (Espruino: getTime(), in seconds). */
declare var getTime: (() => number) | undefined;
function now(): number {
  if (typeof performance !== 'undefined' && performance.now) return performance.now();
  if (typeof getTime === 'function') return getTime() * 1000;
  return Date.now();
}

/** Every op but dense. */
function runOp(m: Model, o: number, a: Float32Array, out: Float32Array): void {
  var g = m.graph;
  var op = g.ops[o];
  var code = op.code;
  var inShape = g.values[op.input].shape;
  var outShape = g.values[op.output].shape;
  var last = outShape.length ? outShape[outShape.length - 1] : 1;
  var b: Float32Array;
  if (code === OP_CONV2D) {
    var c = m.convs[o]!;
    var w = m.weights[op.weight];
    var bias = op.bias === NO_TENSOR ? null : m.weights[op.bias];
    var r = m.readers[op.weight];
    var fr = m.rows[op.weight];
    var rowLen = c.kh * c.kw * c.icg;
    var idx = m.patchIdx[o];
    if (idx && (fr || w)) {
      convPatches(
        a,
        function (o0: number, n: number) {
          return fr
            ? rowValues(fr, o0, n, m.native as unknown as RowNative, true)
            : w!.subarray(o0 * rowLen, (o0 + n) * rowLen);
        },
        bias,
        out,
        c,
        idx,
        m.patch,
        m.patchBlock,
        m.native as unknown as RowNative,
      );
      return;
    }
    if (r) restart(r);
    for (var oc = 0; oc < c.oc; oc++) {
      var wr = w || (fr ? rowValues(fr, oc, 1, m.native as unknown as RowNative, true) : m.row);
      if (r) readValues(r, m.row, rowLen);
      convChannel(a, wr, w ? oc * rowLen : 0, bias ? bias[oc] : 0, out, oc, c, m.native);
    }
  } else if (code === OP_MAXPOOL || code === OP_AVGPOOL) {
    pool2d(a, inShape, out, outShape, op.p, code === OP_AVGPOOL);
  } else if (code === OP_GLOBALAVGPOOL) {
    globalAvgPool(a, inShape, out);
  } else if (code === OP_ADD || code === OP_MUL || code === OP_PRELU) {
    b = op.weight !== NO_TENSOR ? m.weights[op.weight]! : m.buffers[op.inputs[1]];
    binary(code, a, op.strides[0], b, op.strides[1], out, outShape, m.idx);
  } else if (code === OP_CONCAT) {
    var xs: Float32Array[] = [];
    var shapes: number[][] = [];
    for (var k = 0; k < op.inputs.length; k++) {
      xs.push(m.buffers[op.inputs[k]]);
      shapes.push(g.values[op.inputs[k]].shape);
    }
    concat(xs, shapes, out, outShape, op.p[0], m.idx);
  } else if (code === OP_PAD) {
    pad(a, inShape, out, outShape, op.list, op.p, m.idx);
  } else if (code === OP_TRANSPOSE) {
    transpose(a, op.strides[0], out, outShape, m.idx);
  } else if (code === OP_REDUCEMEAN) {
    reduceMean(a, inShape, out, op.list, m.idx);
  } else if (code === OP_MATMUL) {
    matmul(a, m.buffers[op.inputs[1]], out, inShape[0], inShape[1], outShape[1]);
  } else if (code === OP_SOFTMAX) {
    softmax(a, out, out.length, last);
  } else if (code === OP_LOGSOFTMAX) {
    logSoftmax(a, out, out.length, last);
  } else if (code !== OP_RESHAPE) {
    activate(code, a, out, out.length, op.p);
  }
}

/** Copies the inputs into their buffers (normalised, or quantised for int8 inputs). */
export function feed(m: Model, input: ArrayLike<number> | ArrayLike<number>[]): void {
  var g = m.graph;
  var inputs = (
    g.inputs.length === 1 && typeof (input as ArrayLike<number>[])[0] === 'number' ? [input] : input
  ) as ArrayLike<number>[];
  if (!inputs || inputs.length !== g.inputs.length)
    fail('input', 0, 'expected ' + g.inputs.length + ' input arrays');
  var norm = m.meta.normalization as { mean: number[]; std: number[] } | undefined;
  for (var k = 0; k < inputs.length; k++) {
    var v = g.values[g.inputs[k]];
    var x = inputs[k];
    if (!x || x.length !== v.size)
      fail('input', 0, "input '" + v.name + "' needs " + v.size + ' values, got ' + (x ? x.length : 0));
    var qb = m.qbufs[g.inputs[k]];
    if (qb) {
      int8!.quantizeInput(x, qb, m.quant!.scale[g.inputs[k]], m.quant!.zero[g.inputs[k]], v.name);
      continue;
    }
    var buf = m.buffers[g.inputs[k]];
    // On Espruino a JS loop costs tens of µs an element: copy natively, and find a NaN
    // with one native sum (any NaN makes it NaN); the loop below then names it.
    if (!norm && m.native && m.native.sum) {
      buf.set(x);
      var sum = m.native.sum(buf);
      if (sum === sum) continue;
    }
    for (var i = 0; i < v.size; i++) {
      var val = +x[i];
      if (val !== val) fail('input', i, "input '" + v.name + "' holds a value that is not a number");
      if (norm) val = (val - norm.mean[i % norm.mean.length]) / norm.std[i % norm.std.length];
      buf[i] = val;
    }
  }
}

/** Runs op `o` on the model's buffers (its inputs must be computed). */
export function step(m: Model, o: number): void {
  var op = m.graph.ops[o];
  var a = m.buffers[op.input];
  var out = m.buffers[op.output];
  var fast = m.fast[o];
  if (m.skip[o]) return;
  if (fast) fast();
  else if (m.qbufs[op.output]) {
    int8!.runInt8(m.graph, m.tensors, m.qplans[o], o, m.qbufs);
  } else if (op.code === OP_DENSE) {
    var bias = op.bias === NO_TENSOR ? null : m.weights[op.bias];
    var w = m.weights[op.weight];
    var fr = m.rows[op.weight];
    // Plan 'flash' was only admitted with E.mapInPlace present (loadBytes).
    if (fr) denseFlash(a, fr, bias, out, m.gathered, m.native as unknown as RowNative, m.relu[o]);
    else if (w) dense(a, w, bias, out, a.length, out.length, m.native);
    else if (m.tensors[op.weight].kind === KIND_SPARSE)
      denseSparse(a, m.readers[op.weight]!, m.chunkGaps, m.chunkValues, bias, out, a.length, out.length);
    else denseRows(a, m.readers[op.weight]!, m.row, bias, out, a.length, out.length, m.native);
  } else runOp(m, o, a, out);
}

/** Runs one inference. `input` is one array per graph input (or just the array, for one input). */
export function run(
  m: Model,
  input: ArrayLike<number> | ArrayLike<number>[],
  options?: RunOptions,
): RunResult {
  var g = m.graph;
  var profile: OpProfile[] | null = options && options.profile ? [] : null;
  var t0 = 0;
  var i: number;
  var k: number;
  feed(m, input);
  for (var o = 0; o < g.ops.length; o++) {
    var op = g.ops[o];
    var vo = g.values[op.output];
    if (profile) t0 = now();
    step(m, o);
    if (profile) {
      profile.push({
        name: vo.name,
        op: OP_NAMES[op.code],
        kernel: m.fast[o] ? m.engine + ' ' + kernelOf(m, o) : kernelOf(m, o),
        macs: op.macs,
        bits: bitsOf(m, o),
        elements: vo.size,
        ms: now() - t0,
      });
    }
  }
  var result: RunResult = { outputs: [], quantized: [], label: 0, macs: m.macs };
  if (profile) result.profile = profile;
  for (k = 0; k < g.outputs.length; k++) {
    var ob = m.qbufs[g.outputs[k]];
    var ov = g.outputs[k];
    result.outputs.push(
      ob ? int8!.dequantize(ob, m.quant!.scale[ov], m.quant!.zero[ov]) : new Float32Array(m.buffers[ov]),
    );
    result.quantized.push(ob ? new Int8Array(ob) : null);
  }
  var first = result.outputs[0];
  for (i = 1; i < first.length; i++) if (first[i] > first[result.label]) result.label = i;
  return result;
}
