// Bangle.js 2 smartwatch running Espruino.
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

export const banglejs2: Target = {
  name: 'banglejs2',
  title: 'Bangle.js 2 (nRF52840, Espruino)',
  engine: 'espruino',
  // Espruino implements most of ES5 plus a few ES6 features (arrow functions, let/const);
  // the runtime ships as ES5 so nothing depends on them.
  esLevel: 5,
  // nRF52840 at 64 MHz with 256 KB RAM; Espruino reserves 12,000 JS variables of about
  // 14-16 bytes each (espruino.com/Bangle.js2, espruino.com/Internals): 12,000 × 14 ≈ 168 KB
  // up to 12,000 × 16 ≈ 188 KB for all of JS. We count the lower figure.
  jsHeapBytes: 12000 * 14,
  // A fresh QuickJS context holds ~52 KB of built-ins and the compiled runtime ~75 KB more
  // (measured with dumpMemoryUsage; the flash path grew it); Espruino keeps built-ins in
  // flash and the runtime as ~41 KB of source text (about 1,500 variables, measured on the
  // firmware). So QuickJS gets the JS heap plus that ~120 KB difference. A stand-in only:
  // what fits on the watch is measured on its firmware (`mote fit --target banglejs2`).
  emulatorMemoryBytes: 12000 * 14 + 120 * KB,
  // Leave over half the JS heap to the app, the runtime's own code and the watch's UI.
  ramForModelBytes: 96 * KB,
  // 1 MB internal flash (mostly firmware) + 8 MB external SPI flash for Storage files
  // (espruino.com/Bangle.js2).
  flashBytes: 8 * MB,
  hasTypedArrays: true,
  hasWebAssembly: false,
  transport: 'ble-uart',
  // QuickJS is the closest small engine we can run on the desktop with a hard memory limit.
  emulator: 'quickjs',
  // Native C helpers (espruino.com/Reference#E): E.convolve(a, b, offset) is one dot
  // product of two arrays; E.sum(arr) sums an array.
  nativeHelpers: ['E.convolve', 'E.sum'],
  // RAM is the constraint: decode weights from Storage (memory-mapped) a row at a time.
  defaultPlan: 'stream',
  // ESTIMATE, ÷5 to ×2: QuickJS-wasm figures × Espruino's empty-loop slowdown at 64 MHz (~16,700×;
  // docs/TARGETS.md). Pure-JS kernels; E.convolve would make dense MACs far cheaper.
  // About a minute of native dot products at 64 MHz (calibration.ts espruinoNativeUsPerMac).
  maxMacs: macsInAMinute(espruinoNativeUsPerMac(64)),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    espruinoFactor(64),
    `estimate (÷5 to ×2): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${espruinoFactor(64).toFixed(0)} ` +
      '(Espruino empty loop 187 µs at 72 MHz, jeelabs.org/article/1549d, scaled to 64 MHz, vs QuickJS-wasm 0.0126 µs)',
  ),
};
