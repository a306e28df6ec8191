// Bangle.js 1 smartwatch running Espruino: the same engine as Bangle.js 2 with far less RAM.
import type { Target } from './target.js';
import {
  CALIBRATION_COMMAND,
  espruinoFactor,
  espruinoNativeUsPerMac,
  macsInAMinute,
  QUICKJS_WASM_MEASURED,
  scaleCost,
} from './calibration.js';

const KB = 1024;
const MB = 1024 * KB;
// 'variables': 2100 in boards/BANGLEJS.py (github.com/espruino/Espruino, commit 818fdd6).
const VARIABLES = 2100;
// ESTIMATE: 13 bytes per variable; Espruino's blocks are 12-16 bytes depending on how many
// variables a build addresses (espruino.com/Performance, espruino.com/Internals).
const BYTES_PER_VARIABLE = 13;

export const banglejs1: Target = {
  name: 'banglejs1',
  title: 'Bangle.js 1 (nRF52832, Espruino)',
  engine: 'espruino',
  esLevel: 5,
  // nRF52832, 64 MHz Cortex-M4F, 64 KB RAM, 512 KB flash, 4 MB external flash
  // (espruino.com/Bangle.js+Technical). 2,100 × 13 ≈ 27 KB for all of JS.
  jsHeapBytes: VARIABLES * BYTES_PER_VARIABLE,
  // The JS heap plus QuickJS's ~96 KB of built-ins and compiled runtime (see banglejs2.ts).
  emulatorMemoryBytes: VARIABLES * BYTES_PER_VARIABLE + 96 * KB,
  // Under half the heap: the watch's UI and the runtime's source need the rest.
  ramForModelBytes: 12 * KB,
  // Storage lives in the 4 MB external SPI flash (boards/BANGLEJS.py: saved_code is the
  // entire 4 MB, 1024 pages of 4 KB).
  flashBytes: 4 * MB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'ble-uart',
  emulator: 'quickjs',
  nativeHelpers: ['E.convolve', 'E.sum'],
  defaultPlan: 'stream',
  // Same core and clock as Bangle.js 2: same estimate (÷5 to ×2).
  // About a minute of native dot products at 64 MHz (calibration.ts espruinoNativeUsPerMac).
  maxMacs: macsInAMinute(espruinoNativeUsPerMac(64)),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    espruinoFactor(64),
    `estimate (÷5 to ×2): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${espruinoFactor(64).toFixed(0)} ` +
      '(Espruino empty loop, jeelabs.org/article/1549d, scaled to 64 MHz)',
  ),
};
