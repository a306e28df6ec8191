// The op registry: each op's kernel registers itself here (src/runtime/op/*.ts) with its
// code, name, attribute layout, shape rules and how it runs, as TFLite Micro's kernels
// register with an op resolver. The reader (graph.ts) and the interpreter (model.ts)
// only look ops up, so a bundle holds the kernels its models use and nothing else, and
// adding an op touches its kernel file, not the core.
import type { Model } from './model.js';
import type { OpShapeInfo } from './ops.js';

export interface OpKernel {
  /** The op's code in GRPH (ops.ts lists the first ops' codes; a newer op keeps its code in its own file). */
  code: number;
  name: string;
  /**
   * Attributes in GRPH order: T a u16 tensor index (0xFFFF = none), i a u16 integer, f an
   * f32, L a u8 count then that many u16 integers (always last).
   */
  attrs: string;
  /**
   * Checks the op against its values' and tensors' shapes: its MACs and kernel strides, or
   * what is wrong. `p` holds the i and f attributes in order, `list` the L attribute, `ts`
   * the T attributes' shapes (null = none).
   */
  check(
    ins: number[][],
    out: number[],
    ts: (number[] | null)[],
    p: number[],
    list: number[],
  ): OpShapeInfo | string;
  /** Runs op `o` of `m`: its first input's buffer `a` into its output buffer `out`. */
  run(m: Model, o: number, a: Float32Array, out: Float32Array): void;
  /** Its first T attribute must be present. */
  needsWeight?: boolean;
  /** Its weight may be streamed a row at a time (dense, conv); other tensors are decoded once. */
  streams?: boolean;
  /** Reads each row of its weight whole, many times (a conv's kernels: never sparse rows). */
  wholeRows?: boolean;
  /** Works element by element, so it may write over its input's buffer. */
  inPlace?: boolean;
  /** Its output is its input under another shape (shares the buffer). */
  alias?: boolean;
  /** At load, before buffers exist: sets up the op's state, returns the scratch bytes it adds. */
  plan?(m: Model, o: number): number;
  /** At load, once buffers exist. */
  prepare?(m: Model, o: number): void;
  /** Makes the op clamp its output at 0, so a ReLU after it can be skipped; false if it cannot. */
  clampRelu?(m: Model, o: number): boolean;
  /** The kernel variant that runs op `o`, for profiles (dense-decode, conv2d-flash...). */
  variant?(m: Model, o: number): string;
}

/** Registered kernels by op code. */
export var OPS: (OpKernel | undefined)[] = [];

export function register(k: OpKernel): void {
  OPS[k.code] = k;
}

/** The registered kernel of an op name (host code: the writer and validator), or null. */
export function opNamed(name: string): OpKernel | null {
  for (var c = 0; c < OPS.length; c++) if (OPS[c] && OPS[c]!.name === name) return OPS[c]!;
  return null;
}

/** The op's name, or its code when this runtime has no kernel for it. */
export function opName(code: number): string {
  return OPS[code] ? OPS[code]!.name : 'code ' + code;
}
