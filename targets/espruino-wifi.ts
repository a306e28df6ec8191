// Espruino WiFi: STM32F411 with an ESP8266 for WiFi, running Espruino.
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
// 'variables': 7148 in boards/ESPRUINOWIFI.py (github.com/espruino/Espruino, commit d8fc8c1).
const VARIABLES = 7148;
// ESTIMATE: 14 bytes per variable (12-16, espruino.com/Performance).
const BYTES_PER_VARIABLE = 14;

export const espruinoWifi: Target = {
  name: 'espruino-wifi',
  title: 'Espruino WiFi (STM32F411, Espruino)',
  engine: 'espruino',
  esLevel: 5,
  // STM32F411CE, 100 MHz Cortex-M4F, 128 KB RAM, 512 KB flash (boards/ESPRUINOWIFI.py,
  // espruino.com/EspruinoWiFi). 7,148 × 14 ≈ 98 KB for all of JS.
  jsHeapBytes: VARIABLES * BYTES_PER_VARIABLE,
  emulatorMemoryBytes: VARIABLES * BYTES_PER_VARIABLE + 96 * KB,
  // Networking (the ESP8266 AT driver, sockets) needs a good share; leave over half.
  ramForModelBytes: 40 * KB,
  // saved_code: 1 page of 64 KB (boards/ESPRUINOWIFI.py).
  flashBytes: 64 * KB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'usb-serial',
  emulator: 'quickjs',
  nativeHelpers: ['E.convolve', 'E.sum'],
  defaultPlan: 'stream',
  // About a minute of native dot products at 100 MHz (calibration.ts espruinoNativeUsPerMac).
  maxMacs: macsInAMinute(espruinoNativeUsPerMac(100)),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    espruinoFactor(100),
    `estimate (÷5 to ×2): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${espruinoFactor(100).toFixed(0)} ` +
      '(Espruino empty loop, jeelabs.org/article/1549d, scaled to 100 MHz)',
  ),
};
