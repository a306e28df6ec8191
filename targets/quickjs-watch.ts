// A QuickJS watch runtime: SiFli's SF32LB52x watch SDK, which runs JS apps and watch faces
// on QuickJS (docs.sifli.com/projects/sdk/latest/en/sf32lb52x/app_note/javascript.html).
import type { Target } from './target.js';
import { CALIBRATION_COMMAND, macsInAMinute, QUICKJS_WASM_MEASURED, scaleCost } from './calibration.js';

const KB = 1024;
const MB = 1024 * KB;
/**
 * ESTIMATE, ±3×: QuickJS-wasm on the desktop → native QuickJS on a 240 MHz Cortex-M33
 * (SF32LB52x's application core; its FPU is single-precision, so JS doubles are software).
 * Same engine, so only the machine differs: ~3.5 GHz × IPC ~3 vs 240 MHz × IPC ~1 ≈ 45×,
 * less QuickJS-wasm's own ~1.5× overhead, plus ~1.5× for software doubles: ≈ 45×.
 */
const FACTOR = 45;

export const quickjsWatch: Target = {
  name: 'quickjs-watch',
  title: 'QuickJS watch runtime (SiFli SF32LB52x SDK)',
  engine: 'quickjs',
  // QuickJS supports ES2020 (the SiFli page above; bellard.org/quickjs).
  esLevel: 2020,
  // "SDK QuickJS currently requires: 4K byte stack, 512K running heap" (SiFli page above).
  jsHeapBytes: 512 * KB,
  // Same engine as the emulator: QuickJS's built-ins and compiled code already sit inside
  // the device's 512 KB heap, so the emulator gets exactly that heap (no 96 KB extra).
  emulatorMemoryBytes: 512 * KB,
  // All JS apps and the watch face share one runtime context (SiFli page above): budget
  // under half of the heap for one model.
  ramForModelBytes: 192 * KB,
  // ESTIMATE: the SDK packs the JS root into a filesystem image on the board's flash; the
  // size is set per project. We assume 1 MB for the runtime and model files.
  flashBytes: 1 * MB,
  hasTypedArrays: true,
  // The SDK's QuickJS build is an interpreter with no WebAssembly.
  hasWebAssembly: false,
  // Apps are packaged and downloaded by the SDK's tools over the board's USB serial.
  transport: 'usb-serial',
  emulator: 'quickjs',
  nativeHelpers: [],
  // RAM is shared with the UI: stream weights.
  defaultPlan: 'stream',
  // About a minute of its kernels (no native helpers: the estimate below).
  maxMacs: macsInAMinute(QUICKJS_WASM_MEASURED.usPerMac.dense * FACTOR),
  cost: scaleCost(
    QUICKJS_WASM_MEASURED,
    FACTOR,
    `estimate (±3×): ${CALIBRATION_COMMAND} (QuickJS-wasm) × ${FACTOR} (240 MHz Cortex-M33 vs desktop)`,
  ),
};
