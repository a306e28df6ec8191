// load(): parse and check a .mote, then plan memory once; run(): one inference.
import { fail } from './errors.js';
import { readContainer, Sections } from './container.js';
import { KIND_FLOAT32, KIND_INT8, KIND_SPARSE, readTensors, TensorInfo } from './tensors.js';
import { GraphInfo, readGraph } from './graph.js';
import { ExitInfo, readExits } from './exits.js';
import { NO_TENSOR, OP_RELU } from './ops.js';
import { OPS } from './registry.js';
import { checkWork, defaultMaxMacs } from './work.js';
import { badStored, MIN_DIVISOR, nonFinite } from './finite.js';
import { checkStored, decodeTensor, valueReader, ValueReader } from './decode.js';
import type { Native } from './kernels.js';
import type { ConvShape } from './conv.js';
import { le32, readFromFlash, utf8 } from './cursor.js';
import { copyBlock, flashCrc, FlashFile, openFlash, readBlock } from './flash.js';
import { checkAllocation, freeMemory } from './memory-check.js';
import { FormTensor, formSize, readForm, Rows, rowCount, rowKind, writeForm } from './device-form.js';
import type { RowNative } from './flash-kernels.js';
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
  /**
   * Refuse to load a model that asks for more work per inference: MACs plus output
   * elements, per layer and in all (work.ts). Default: the target's when the bundle was
   * made for one (`mote bundle --target`), else 4e10 (about a minute on a host).
   */
  maxMacs?: number;
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
  /** One receptive field, gathered (the largest patch of any conv), its planned size, and the weight block size. */
  patch: Float32Array;
  patchSize: number;
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
  if (!(typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH))
    return fail('load', 0, 'this bundle has no Storage path: load the bytes');
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

/** Set by `mote bundle` for engines other than Espruino: the Storage path is left out. */
declare var MOTE_NO_FLASH: boolean;
/** Set by `mote bundle` for a model without exits. */
declare var MOTE_NO_EXITS: boolean;

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
    (typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && flash
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
  // A bundle without the early-exit scheduler (mote bundle, for a model without exits)
  // leaves the EXIT reader out.
  var exits = typeof MOTE_NO_EXITS === 'undefined' || !MOTE_NO_EXITS ? readExits(bytes, s, graph) : [];
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
    if (gop.weight !== NO_TENSOR && !OPS[gop.code]!.streams) isBias[gop.weight] = true;
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
    if (
      (typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) &&
      flash &&
      t.kind === KIND_FLOAT32 &&
      !t.floats
    ) {
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
  var m: Model = {
    bytes: bytes,
    meta: meta,
    tensors: tensors,
    graph: graph,
    plan: plan,
    buffers: [],
    weights: [],
    readers: [],
    row: new Float32Array(0),
    convs: [],
    patchIdx: [],
    patch: new Float32Array(0),
    patchSize: 0,
    patchBlock: 4096,
    skip: [],
    relu: [],
    idx: [0, 0, 0, 0, 0, 0, 0, 0],
    chunkGaps: new Uint8Array(0),
    chunkValues: new Float32Array(0),
    quant: quant,
    qplans: [],
    qbufs: [],
    memory: { activations: 0, resident: 0, scratch: 0, peak: 0 },
    macs: macs,
    // Detected once: Espruino's E.convolve computes a row's dot product in C.
    native: nat,
    engine: 'js',
    fast: [],
    exits: exits,
    rows: [],
    gathered: new Float32Array(0),
  };
  // Each op's own state and scratch (a conv's patch index), before anything big is allocated.
  var opScratch = 0;
  for (i = 0; i < graph.ops.length; i++) {
    m.convs.push(null);
    m.patchIdx.push(null);
    var plan1 = OPS[graph.ops[i].code]!.plan;
    if (plan1) opScratch += plan1(m, i);
  }
  // One row of decoded weights (plan 'flash': a row read from flash and a row of gathered
  // inputs or unpacked codes), the sparse kernel's entry chunks, int8-stream weights' row.
  var scratchBytes = rowSize * 4 * (flash ? 2 : 1) + chunk * 5 + qrow + opScratch;
  var memory: Memory = {
    activations: activations,
    resident: resident,
    scratch: scratchBytes,
    peak: activations + resident + scratchBytes,
  };
  checkAllocation(memory.peak, slots.sizes.length, graph.ops.length);
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
  // The work bound, once the memory plan is known to fit: nothing has run or been allocated yet.
  var maxMacs = opts.maxMacs === undefined ? defaultMaxMacs() : opts.maxMacs;
  if (!(maxMacs > 0)) fail('options', 0, 'maxMacs must be a positive number, not ' + maxMacs);
  checkWork(graph, maxMacs);

  m.memory = memory;
  m.row = new Float32Array(rowSize);
  m.chunkGaps = new Uint8Array(chunk);
  m.chunkValues = new Float32Array(chunk);
  m.gathered = new Float32Array(flash ? rowSize : 0);
  // Before the activations are allocated: a first load decodes the device form, which
  // needs memory of its own for a while.
  if ((typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && flash)
    flashRows(m, flash, inPlace, formed, bytes);
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
  for (i = 0; i < graph.ops.length; i++) {
    var prep = OPS[graph.ops[i].code]!.prepare;
    if (prep) prep(m, i);
  }
  if ((typeof MOTE_NO_FLASH === 'undefined' || !MOTE_NO_FLASH) && flash) residentCodes(m);
  if (nat && typeof nat.mapInPlace === 'function' && !opts.accelerator) fuseRelus(m, slots.ofValue);
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
 * On Espruino, a ReLU that runs in place on the output of an op that nothing else reads
 * becomes that op's clamp at 0 where the op can clamp (a conv, a dense op over flash rows),
 * and its own pass over the output (JS per element there) is skipped.
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
    var op = g.ops[i];
    var relu = g.ops[i + 1];
    var clamp = OPS[op.code]!.clampRelu;
    if (!clamp || m.qbufs[op.output] || relu.code !== OP_RELU || relu.input !== op.output) continue;
    if (readers[op.output] !== 1 || slotOf[relu.output] !== slotOf[op.output]) continue;
    if (clamp(m, i)) m.skip[i + 1] = true;
  }
}

/** Espruino's native helpers, when this engine has them (E.convolve at least). */
function native(): (Native & RowNative) | null {
  return typeof E !== 'undefined' && E && typeof E.convolve === 'function' ? E : null;
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
  var v = freeMemory();
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

/** Whether tensor `t` is the weight of an op that reads its rows whole (a conv's kernels). */
export function isConvWeight(m: Model, t: number): boolean {
  for (var o = 0; o < m.graph.ops.length; o++)
    if (OPS[m.graph.ops[o].code]!.wholeRows && m.graph.ops[o].weight === t) return true;
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
      'normalization must hold non-empty number arrays mean and std, below 2^64 in magnitude (std at least 2^-64)',
    );
  }
  return meta as { [key: string]: unknown };
}

/**
 * A non-empty array of numbers below 2^64 in magnitude, like every stored float; a std
 * (divisor) also at least 2^-64, so that dividing by it cannot overflow where a weight
 * would not.
 */
function numbers(a: unknown, divisor: boolean): boolean {
  if (!(a instanceof Array) || a.length === 0) return false;
  for (var i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') return false;
    if (divisor && !(Math.abs(a[i]) >= MIN_DIVISOR)) return false;
  }
  return badStored(a) < 0;
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
  // The free slots only, so a graph of many live values plans in linear time.
  var free: number[] = [];
  // Best fit among free slots; else grow the largest free one; else a new slot. Ties go
  // to the lowest slot.
  function take(size: number): number {
    var fit = -1;
    var grow = -1;
    for (var j = 0; j < free.length; j++) {
      var k = free[j];
      if (sizes[k] >= size) {
        if (fit < 0 || sizes[k] < sizes[free[fit]] || (sizes[k] === sizes[free[fit]] && k < free[fit]))
          fit = j;
      } else if (
        grow < 0 ||
        sizes[k] > sizes[free[grow]] ||
        (sizes[k] === sizes[free[grow]] && k < free[grow])
      )
        grow = j;
    }
    var at = fit >= 0 ? fit : grow;
    var best: number;
    if (at < 0) {
      sizes.push(0);
      users.push(0);
      best = sizes.length - 1;
    } else {
      best = free[at];
      free[at] = free[free.length - 1];
      free.pop();
    }
    if (sizes[best] < size) sizes[best] = size;
    users[best] = 1;
    return best;
  }
  function release(s: number): void {
    if (--users[s] === 0) free.push(s);
  }
  for (i = 0; i < g.inputs.length; i++) ofValue[g.inputs[i]] = take(size(g.inputs[i]));
  for (i = 0; i < n; i++) {
    var op = g.ops[i];
    // Reshape shares its input's slot; so does an activation that is its input's last
    // reader (it works element by element, so in place): LeNet-5's first ReLU would
    // otherwise take 46 KB, a third of a Bangle.js 2's memory.
    var k = OPS[op.code]!;
    var inPlace =
      k.alias ||
      (k.inPlace &&
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
      if (lastUse[v] === i && op.inputs.indexOf(v) === j) release(ofValue[v]);
    }
    // An output nobody reads frees its slot at once.
    if (lastUse[op.output] === undefined) release(ofValue[op.output]);
  }
  return { sizes: sizes, ofValue: ofValue };
}

/** The kernel that runs op `o` (see OpProfile.kernel). */
function kernelOf(m: Model, o: number): string {
  var op = m.graph.ops[o];
  var k = OPS[op.code]!;
  var c = m.convs[o];
  var plan = m.qplans[o];
  if (!plan || !plan.q) return k.variant ? k.variant(m, o) : k.name;
  // int8 ops: int8-conv2d, int8-depthwise, int8-dense, ...; '-decode' when the weights are streamed.
  var decoded = plan.reader ? '-decode' : '';
  if (c) return 'int8-' + (c.icg === 1 && c.c > 1 ? 'depthwise' : 'conv2d') + decoded;
  return 'int8-' + k.name + (k.streams ? decoded : '');
}

/** Stream bits op `o` decodes per run (streamed weights only). */
function bitsOf(m: Model, o: number): number {
  var op = m.graph.ops[o];
  if (!OPS[op.code]!.streams || m.weights[op.weight] || m.rows[op.weight]) return 0;
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
    // On Espruino a JS loop costs tens of µs an element: copy natively, and find a NaN or
    // an Infinity with one native sum (either makes sum − sum NaN); the loop below names it.
    if (!norm && m.native && m.native.sum) {
      buf.set(x);
      var sum = m.native.sum(buf);
      if (sum - sum === 0) continue;
    }
    for (var i = 0; i < v.size; i++) {
      var val = +x[i];
      if (val - val !== 0)
        fail(
          'input',
          i,
          "input '" +
            v.name +
            "' holds " +
            (val === val ? val + ', not a finite number' : 'a value that is not a number'),
        );
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
  else if (m.qbufs[op.output]) int8!.runInt8(m.graph, m.tensors, m.qplans[o], o, m.qbufs);
  else OPS[op.code]!.run(m, o, a, out);
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
        op: OPS[op.code]!.name,
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
  for (k = 0; k < g.outputs.length; k++) checkFinite(m, g.outputs[k], input);
  var first = result.outputs[0];
  for (i = 1; i < first.length; i++) if (first[i] > first[result.label]) result.label = i;
  return result;
}

/**
 * Fails when value `v` (an output) holds NaN or ±Infinity, naming the first op whose
 * output did: found only then, by running `input` again and checking each op's output.
 */
export function checkFinite(m: Model, v: number, input: ArrayLike<number> | ArrayLike<number>[]): void {
  var g = m.graph;
  var sum = m.native && m.native.sum ? m.native.sum : null;
  // int8 values are integers: always finite.
  var i = m.qbufs[v] ? -1 : nonFinite(m.buffers[v], sum);
  if (i < 0) return;
  var what = "output '" + g.values[v].name + "' holds " + m.buffers[v][i] + ' (value ' + i + ')';
  feed(m, input);
  for (var o = 0; o < g.ops.length; o++) {
    step(m, o);
    var op = g.ops[o];
    if (!m.qbufs[op.output] && nonFinite(m.buffers[op.output], sum) >= 0) {
      what +=
        '; layer ' +
        o +
        ' (' +
        OPS[op.code]!.name +
        ", output '" +
        g.values[op.output].name +
        "') is the first to give one";
      break;
    }
  }
  throw new Error('mote: ' + what + ': the run overflowed or met a NaN');
}
