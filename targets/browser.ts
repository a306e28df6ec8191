// Web browsers: V8 (Chrome, Edge), SpiderMonkey (Firefox), JavaScriptCore (Safari).
import type { Target } from './target.js';
import { CALIBRATION_COMMAND, macsInAMinute, NODE_MEASURED, scaleCost } from './calibration.js';

const MB = 1024 * 1024;

export const browser: Target = {
  name: 'browser',
  title: 'Web browsers (V8, SpiderMonkey, JavaScriptCore)',
  // EngineName has no SpiderMonkey or JavaScriptCore entry; all three are JIT engines of
  // the same class, and V8 is the one measured (in Node).
  engine: 'v8',
  esLevel: 2022,
  // ESTIMATE: tab heap limits vary by browser and device (Chrome allows ~4 GB on 64-bit
  // desktops, far less on phones); we assume a conservative 512 MB.
  jsHeapBytes: 512 * MB,
  emulatorMemoryBytes: 512 * MB,
  ramForModelBytes: 64 * MB,
  // Models are fetched or kept in IndexedDB/Cache Storage; quotas vary, assume 64 MB.
  flashBytes: 64 * MB,
  hasTypedArrays: true,
  hasWebAssembly: true,
  transport: 'local',
  emulator: 'node',
  nativeHelpers: [],
  defaultPlan: 'cache',
  // ESTIMATE, ±2×: Node's V8 figures on the CI host; other JITs and other machines
  // (phones are 2-4× slower than a desktop) differ by a small factor.
  // About a minute of V8's kernels, as Node.
  maxMacs: macsInAMinute(NODE_MEASURED.usPerMac.dense),
  cost: scaleCost(NODE_MEASURED, 1, `estimate (±2×): ${CALIBRATION_COMMAND} (Node 20 V8), unscaled`),
};
