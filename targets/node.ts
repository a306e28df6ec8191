// The host itself: Node's V8, for running the runtime with no device constraints.
import type { Target } from './target.js';
import { CALIBRATION_COMMAND, macsInAMinute, NODE_MEASURED, scaleCost } from './calibration.js';

export const node: Target = {
  name: 'node',
  title: 'Node.js (V8, host)',
  engine: 'v8',
  esLevel: 2022,
  // Generous limits: the host is never the bottleneck.
  jsHeapBytes: 1024 * 1024 * 1024,
  emulatorMemoryBytes: 1024 * 1024 * 1024,
  ramForModelBytes: 256 * 1024 * 1024,
  flashBytes: 1024 * 1024 * 1024,
  hasTypedArrays: true,
  hasWebAssembly: true,
  transport: 'local',
  emulator: 'node',
  nativeHelpers: [],
  // RAM is plentiful: decode every weight once at load.
  defaultPlan: 'cache',
  // Measured on the CI-class host (Node 20, vm context); other hosts differ by ~±2×.
  // About a minute of its kernels, measured: the runtime's own default (src/runtime/work.ts HOST_MAX_MACS).
  maxMacs: macsInAMinute(NODE_MEASURED.usPerMac.dense),
  cost: scaleCost(NODE_MEASURED, 1, `measured: ${CALIBRATION_COMMAND} (Node 20 V8, 2-core CI-class host)`),
};
