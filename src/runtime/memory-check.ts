// Refusing a model before it runs the engine out of memory, on the engines where running
// out cannot be caught: Espruino (OUT OF MEMORY stops the interpreter) and JerryScript on
// Kaluma (a fatal error that restarts the board). Both report what is free: Espruino in
// variables (process.memory), Kaluma in heap bytes (process.memoryUsage). Elsewhere
// nothing is checked here (the runtime's memoryLimit still applies).
import { fail } from './errors.js';

declare var process:
  | {
      memory?(gc?: boolean): { free: number; blocksize?: number };
      memoryUsage?(): { heapTotal: number; heapUsed: number };
    }
  | undefined;

export interface FreeMemory {
  /** Free units, and the bytes one unit holds (an Espruino variable; 1 for heap bytes). */
  free: number;
  blocksize: number;
  /** Kaluma's JerryScript: counted in heap bytes. */
  heap: boolean;
}

/** What the engine says is free; `gc`: Espruino collects garbage first (slower). */
export function freeMemory(gc?: boolean): FreeMemory | null {
  if (typeof process === 'undefined' || !process) return null;
  if (typeof process.memory === 'function') {
    var m = process.memory(gc);
    return m && m.blocksize ? { free: m.free, blocksize: m.blocksize, heap: false } : null;
  }
  // Kaluma's process.memoryUsage() has heapTotal and heapUsed; Node's has them too, but Node
  // has no fixed heap worth checking against: Kaluma says process.platform 'rp2'.
  if (typeof process.memoryUsage === 'function' && (process as { platform?: string }).platform === 'rp2') {
    var u = process.memoryUsage();
    return { free: u.heapTotal - u.heapUsed, blocksize: 1, heap: true };
  }
  return null;
}

/**
 * Kept free while a model's tables are read: more than one tensor's table takes (a Huffman
 * table and its copies); Espruino variables, or JerryScript heap bytes (whose heap also
 * fragments: a large block may not be found although the total is free).
 */
var TABLE_MARGIN_VARS = 400;
var TABLE_MARGIN_BYTES = 8192;

/**
 * Fails cleanly before reading the next table entry (`what`) would run the engine out of
 * memory. Without a garbage collection, so cheap enough to call per tensor and per op.
 */
export function checkTables(what: string): void {
  var m = freeMemory(false);
  if (m && m.free < (m.heap ? TABLE_MARGIN_BYTES : TABLE_MARGIN_VARS))
    fail(
      'model',
      0,
      'too big for this device: its tables alone take the memory left (' +
        m.free +
        (m.heap ? ' heap bytes' : ' variables') +
        ' free at ' +
        what +
        ')',
    );
}

/**
 * Refuses a model whose buffers (`bytes` in `arrays` typed arrays, for `ops` ops) would not
 * fit before allocating them. Espruino: a typed array of n bytes takes ceil(n / blocksize)
 * variables and a few for its header. JerryScript: n bytes and a header, plus room for what
 * an inference allocates for a while (results, row blocks) in a heap that fragments.
 */
export function checkAllocation(bytes: number, arrays: number, ops: number): void {
  var v = freeMemory();
  if (!v) return;
  var need = v.heap
    ? bytes + 64 * arrays + 128 * ops + TABLE_MARGIN_BYTES
    : // Per op: its view objects and the transient row blocks; 64 for the model object itself.
      Math.ceil(bytes / v.blocksize) + 4 * arrays + 8 * ops + 64;
  if (need > v.free)
    fail(
      'model',
      0,
      'needs about ' +
        need +
        (v.heap ? ' bytes of heap' : ' variables of ' + v.blocksize + ' bytes') +
        ' (' +
        bytes +
        ' bytes of buffers), and ' +
        v.free +
        ' are free',
    );
}
