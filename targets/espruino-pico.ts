// Espruino Pico: USB stick-sized board, STM32F401 running Espruino.
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
// 'variables': 5100 in boards/PICO_R1_3.py (github.com/espruino/Espruino, commit d8fc8c1);
// raised from 3000 in 1v80 (forum.espruino.com/comments/12397778).
const VARIABLES = 5100;
// ESTIMATE: 14 bytes per variable, as for Bangle.js 2's build (12-16, espruino.com/Performance).
const BYTES_PER_VARIABLE = 14;

export const espruinoPico: Target = {
  name: 'espruino-pico',
  title: 'Espruino Pico (STM32F401, Espruino)',
  engine: 'espruino',
  esLevel: 5,
  // STM32F401CD, 84 MHz Cortex-M4F, 96 KB RAM, 384 KB flash (boards/PICO_R1_3.py,
  // espruino.com/Pico). 5,100 × 14 ≈ 70 KB for all of JS.
  jsHeapBytes: VARIABLES * BYTES_PER_VARIABLE,
  emulatorMemoryBytes: VARIABLES * BYTES_PER_VARIABLE + 96 * KB,
  // The board runs nothing else: about half the heap.
  ramForModelBytes: 32 * KB,
  // saved_code: 3 pages of 16 KB (boards/PICO_R1_3.py) = 48 KB for saved code and Storage.
  flashBytes: 48 * KB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'usb-serial',
  emulator: 'quickjs',
  nativeHelpers: ['E.convolve', 'E.sum'],
  defaultPlan: 'stream',
  // About a minute of native dot products at 84 MHz (calibration.ts espruinoNativeUsPerMac).
  maxMacs: macsInAMinute(espruinoNativeUsPerMac(84)),
  // ESTIMATE (÷5 to ×2): Espruino's empty-loop time scaled to 84 MHz.
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    espruinoFactor(84),
    `estimate (÷5 to ×2): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${espruinoFactor(84).toFixed(0)} ` +
      '(Espruino empty loop, jeelabs.org/article/1549d, scaled to 84 MHz)',
  ),
};
