// Kaluma on the Raspberry Pi Pico: JerryScript on an RP2040.
import type { Target } from './target.js';
import { CALIBRATION_COMMAND, macsInAMinute, QUICKJS_WASM_MEASURED, scaleCost } from './calibration.js';

const KB = 1024;
const MB = 1024 * KB;
/**
 * ESTIMATE, ±3×: QuickJS-wasm on the desktop → JerryScript on a 133 MHz Cortex-M0+.
 * - JerryScript is ~3× slower than QuickJS at equal hardware (bench-v8, bellard.org/quickjs).
 * - QuickJS-wasm vs native desktop QuickJS: ~1.5-2× slower (assumed, not measured here).
 * - A ~3.5 GHz out-of-order x86 core vs a 133 MHz in-order M0+ with no FPU (JS numbers
 *   are doubles, done in software): ~100× at equal code (clock ratio ~26× × IPC ~4).
 * 3 × 100 / 1.5 = 200.
 */
const FACTOR = 200;

export const kalumaPico: Target = {
  name: 'kaluma-pico',
  title: 'Kaluma on Raspberry Pi Pico (RP2040, JerryScript)',
  engine: 'jerryscript',
  // JerryScript in Kaluma supports ES5.1 and much of ES2015 (github.com/kaluma-project/kaluma:
  // "ECMAScript 5/6/6+"); the runtime needs only ES5.
  esLevel: 2015,
  // RP2040: 2 × Cortex-M0+ at 133 MHz, 264 KB SRAM (RP2040 datasheet); Kaluma gives
  // JerryScript a 180 KB heap (ANCHORS.md, kalumajs.org).
  jsHeapBytes: 180 * KB,
  // The JS heap plus QuickJS's ~96 KB of built-ins and compiled runtime: JerryScript keeps
  // built-ins in ROM and, from a snapshot, bytecode in flash (see banglejs2.ts).
  emulatorMemoryBytes: 180 * KB + 96 * KB,
  ramForModelBytes: 96 * KB,
  // ESTIMATE: the Pico's 2 MB QSPI flash holds Kaluma (~0.5 MB) and a LittleFS storage
  // area; we budget 1 MB for the runtime and model files.
  flashBytes: 1 * MB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'usb-serial',
  emulator: 'quickjs',
  nativeHelpers: [],
  defaultPlan: 'stream',
  // About a minute of its kernels (no native helpers: the estimate below).
  maxMacs: macsInAMinute(QUICKJS_WASM_MEASURED.usPerMac.dense * FACTOR),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    FACTOR,
    `estimate (±3×): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${FACTOR} ` +
      '(JerryScript ~3× slower than QuickJS, bellard.org/quickjs bench-v8; 133 MHz M0+ without FPU vs desktop)',
  ),
};
