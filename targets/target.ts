// What mote needs to know about a board or an engine to compile for it and to emulate it.

/** The JavaScript engine a target runs. */
export type EngineName = 'espruino' | 'quickjs' | 'jerryscript' | 'v8' | 'duktape';

/** The desktop engine that stands in for the target when no device is attached. */
export type EmulatorName = 'quickjs' | 'duktape' | 'node';

/** How the runtime and a model reach the target. */
export type Transport = 'ble-uart' | 'usb-serial' | 'local';

export interface Target {
  /** Short id, used on the command line (`--target banglejs2`). */
  name: string;
  /** Human-readable name. */
  title: string;
  engine: EngineName;
  /** Highest ECMAScript edition the engine runs reliably (5 = ES5.1). */
  esLevel: number;
  /** Everything the JS engine can hold (code, objects, typed arrays), in bytes. */
  jsHeapBytes: number;
  /**
   * The QuickJS heap limit when this target is emulated: the JS heap plus what QuickJS
   * keeps in RAM that the device's engine does not (built-ins, compiled runtime code).
   */
  emulatorMemoryBytes: number;
  /** Bytes the runtime may allocate for one model (activations, resident weights, scratch). */
  ramForModelBytes: number;
  /** Flash for the runtime and model files, in bytes. */
  flashBytes: number;
  hasTypedArrays: boolean;
  hasWebAssembly: boolean;
  transport: Transport;
  emulator: EmulatorName;
  /** Native helpers the runtime can feature-detect and use (e.g. 'E.convolve', 'E.sum'). */
  nativeHelpers: string[];
  /** The execution plan used when the command line does not choose one. */
  defaultPlan: ExecutionPlan;
  /**
   * The work bound: a model needing more MACs (plus output elements) per inference, in one
   * layer or in all, is refused at load (src/runtime/work.ts). About a minute of the target's
   * kernels (calibration.ts macsInAMinute); `--max-macs` raises it.
   */
  maxMacs: number;
  /** Estimated on-device cost of the runtime's kernels. */
  cost: CostModel;
}

/**
 * How compressed weights reach the kernels:
 * - 'cache': decoded once into RAM at load (fastest, most RAM);
 * - 'stream': decoded from the stored file at every inference, a row at a time (least RAM);
 * - 'install': decoded once at install time into a fixed-width form kept in flash/storage,
 *   then read from there at every inference (little RAM, no Huffman work per inference).
 */
export type ExecutionPlan = 'cache' | 'stream' | 'install';

/**
 * Time estimates, in microseconds, by what the runtime's profile reports per op
 * (src/runtime/model.ts OpProfile): kernel kind, MACs, decoded stream bits, elements.
 */
export interface CostModel {
  /** µs per multiply-accumulate, by kernel: dense (weights in RAM or file), dense-decode, dense-sparse. */
  usPerMac: { dense: number; 'dense-decode': number; 'dense-sparse': number };
  /** µs per bit of Huffman or fixed-width stream decoded. */
  usPerDecodedBit: number;
  /** µs per output element of element-wise ops (relu, softmax, ...). */
  usPerElement: number;
  /** µs of fixed overhead per op. */
  usPerOp: number;
  /** Where the figures come from (measurement command, published benchmark). */
  source: string;
}
