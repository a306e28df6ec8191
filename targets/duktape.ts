// Duktape 2.7 (its own `duk`, compiled to wasm: engines/duktape/): a strict ES5.1 engine,
// used to check that the runtime really is ES5 (no Math.fround, arrow functions or let/const).
import type { Target } from './target.js';
import { CALIBRATION_COMMAND, DUKTAPE_MEASURED, macsInAMinute, scaleCost } from './calibration.js';

export const duktape: Target = {
  name: 'duktape',
  title: 'Duktape 2 (strict ES5.1 check)',
  engine: 'duktape',
  esLevel: 5,
  // `duk` has no heap limit option; these mirror a mid-size microcontroller.
  jsHeapBytes: 256 * 1024,
  // Only used if this target is ever emulated in QuickJS (see banglejs2.ts for the 96 KB).
  emulatorMemoryBytes: 256 * 1024 + 96 * 1024,
  ramForModelBytes: 128 * 1024,
  flashBytes: 1024 * 1024,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'local',
  emulator: 'duktape',
  nativeHelpers: [],
  defaultPlan: 'stream',
  // About a minute of its kernels, measured.
  maxMacs: macsInAMinute(DUKTAPE_MEASURED.usPerMac.dense),
  // Measured with Debian's native `duk` 2.7.0 on the host, before the engine here became its
  // wasm build: re-run the calibration to measure that instead.
  cost: scaleCost(
    DUKTAPE_MEASURED,
    1,
    `measured: ${CALIBRATION_COMMAND} (Debian duk 2.x, 2-core CI-class host)`,
  ),
};
