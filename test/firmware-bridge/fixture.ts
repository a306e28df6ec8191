// An emulated Bangle.js 2 on a pseudo-terminal, the runtime bundle as it ships, and small
// models for the bridge's tests. Transfers run unpaced (baud 0) to keep the tests fast;
// `npm run bench:flash` measures at 115200 baud.
import { writeMote } from '../../src/format/writer.js';
import { toCodebook } from '../../src/compress/sparse.js';
import { getTarget } from '../../targets/index.js';
import { startEmulatedDevice, type EmulatedDevice } from '../../firmware-bridge/emulator/device.js';
import { openSession, type Session } from '../../firmware-bridge/session.js';
import { mlp } from '../helpers/graphs.js';

export const target = getTarget('banglejs2');

export function startDevice(baud = 0): Promise<EmulatedDevice> {
  return startEmulatedDevice({ target, baud });
}

export function connect(
  device: EmulatedDevice,
  timeoutMs = 5000,
  onNoise?: (text: string) => void,
): Promise<Session> {
  return openSession(device.port, target, { timeoutMs, onNoise });
}

/** A 3-bit clustered MLP whose seed makes each model distinct. */
export function model(seed: number, labels?: string[]): Uint8Array {
  const g = mlp([32, 16, 4], seed, (w) => toCodebook(w, 3));
  if (labels) g.metadata.labels = labels;
  return writeMote(g);
}

/** Seeded inputs of the small model's size, exactly representable in float32. */
export function sample(seed: number, n = 32): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed * 31 + i * 7) * 0.5 + 0.5));
}
