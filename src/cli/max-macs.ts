// --max-macs N: the work bound a command loads models with (src/runtime/work.ts), for the
// commands that load a model. Parsed here so every command reads it the same way.
import { runtimeFor } from '../build/model-bundle.js';
import type { Target } from '../../targets/target.js';
import { numberFlag } from './usage.js';

export const MAX_MACS_HELP = `--max-macs N refuses, at load, a model needing more than N MACs per inference (in one layer or
in all; element-wise ops count one per output element). Default: the target's (mote targets), or 4e10 on this host.`;

/** The flag's value: a positive number (5e8, 1e12), or undefined when absent. */
export function maxMacsFlag(text: string | undefined): number | undefined {
  return numberFlag('max-macs', text, 1, 1e300);
}

/**
 * The runtime bundle a device-side command (emulate, fit) runs for `target` when
 * --max-macs is given: the model's own bundle with that bound as its default. Undefined
 * leaves the command's default (the target's bound) or the bundle it was given.
 */
export function bundleWithBound(
  bytes: Uint8Array,
  target: Target,
  maxMacs: number | undefined,
  given: string | undefined,
): string | undefined {
  return given ?? (maxMacs === undefined ? undefined : runtimeFor(bytes, target, maxMacs));
}
