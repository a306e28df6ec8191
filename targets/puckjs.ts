// Puck.js v2 (Espruino BLE button). Puck.js v1, v2 and v2.1 all use the nRF52832; we model v2.
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
// 'variables': 2000 in boards/PUCKJS.py (github.com/espruino/Espruino, commit 2f98f5f; the
// file notes the number "can be WAY higher", so newer firmware may allocate more).
const VARIABLES = 2000;
// ESTIMATE: 13 bytes per variable (12-16 bytes, espruino.com/Performance).
const BYTES_PER_VARIABLE = 13;

export const puckjs: Target = {
  name: 'puckjs',
  title: 'Puck.js v2 (nRF52832, Espruino)',
  engine: 'espruino',
  esLevel: 5,
  // nRF52832, 64 MHz Cortex-M4F, 64 KB RAM, 512 KB flash (espruino.com/Puck.js;
  // boards/PUCKJS.py chip: ram 64, flash 512, speed 64).
  jsHeapBytes: VARIABLES * BYTES_PER_VARIABLE,
  emulatorMemoryBytes: VARIABLES * BYTES_PER_VARIABLE + 96 * KB,
  ramForModelBytes: 10 * KB,
  // ESTIMATE: no external flash; Storage gets what the firmware leaves of the 512 KB
  // (boards/PUCKJS.py reserves softdevice, bootloader and a few code pages). ~40 KB;
  // check with require("Storage").getFree() on the device.
  flashBytes: 40 * KB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'ble-uart',
  emulator: 'quickjs',
  nativeHelpers: ['E.convolve', 'E.sum'],
  defaultPlan: 'stream',
  // About a minute of native dot products at 64 MHz (calibration.ts espruinoNativeUsPerMac).
  maxMacs: macsInAMinute(espruinoNativeUsPerMac(64)),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    espruinoFactor(64),
    `estimate (÷5 to ×2): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${espruinoFactor(64).toFixed(0)} ` +
      '(Espruino empty loop, jeelabs.org/article/1549d, scaled to 64 MHz)',
  ),
};
