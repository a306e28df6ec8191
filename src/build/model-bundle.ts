// `mote bundle`: the runtime for one model alone. The model is read on the host with the
// runtime's own reader; the bundle's entry then imports only the kernels of the ops its
// graph uses (each registers itself, src/runtime/op/*.ts), the int8 kernels and the
// early-exit scheduler only when the model has int8 values or exits, and Espruino's
// Storage path only for an Espruino target. What is left out is not in the bundle at all.
import { bundleEntry } from './runtime.js';
import { load } from '../runtime/model.js';
import { OPS } from '../runtime/registry.js';
import '../runtime/op/all.js';
import type { Target } from '../../targets/target.js';

export interface ModelBundleOptions {
  /** Leave out what this target's engine cannot use (Espruino's Storage path elsewhere). */
  target?: Target;
  /**
   * Embed the model's bytes (base64) for boards without a file store: `mote.embedded()`
   * returns them, ready for `mote.load`.
   */
  embed?: boolean;
  minify?: boolean;
  /** The bundle's default work bound (load's maxMacs); default the target's, else the runtime's own. */
  maxMacs?: number;
}

export interface ModelBundle {
  source: string;
  /** The op kernels it holds, and the optional parts (int8, exits, flash, embedded). */
  ops: string[];
  parts: string[];
}

/** The runtime bundle for `model` alone (ES5, defines the global `mote` like the generic one). */
export function bundleForModel(model: Uint8Array, opts: ModelBundleOptions = {}): ModelBundle {
  // The host's reader checks the file: a bad model fails here, naming the problem.
  const maxMacs = opts.maxMacs ?? opts.target?.maxMacs;
  const m = load(model, { maxMacs });
  const ops = [...new Set(m.graph.ops.map((op) => OPS[op.code]!.name))].sort();
  const parts: string[] = [];
  const lines = ops.map((name) => `import './op/${name}.js';`);
  lines.push(`import { load, run } from './model.js';`, `import { crc32 } from './crc32.js';`);
  const api = ['load', 'run', 'crc32'];
  if (m.quant) {
    lines.push(`import './int8-support.js';`);
    parts.push('int8');
  }
  if (m.exits.length) {
    lines.push(`import { runExits, runExitsAsync } from './schedule.js';`);
    api.push('runExits', 'runExitsAsync');
    parts.push('exits');
  }
  const flash = !opts.target || opts.target.engine === 'espruino';
  if (flash) parts.push('flash');
  if (opts.embed) {
    lines.push(`import { fromBase64 } from './base64.js';`);
    lines.push(
      `__mote.embedded = function () { return fromBase64(${JSON.stringify(Buffer.from(model).toString('base64'))}); };`,
    );
    parts.push('embedded');
  }
  lines.unshift('declare var __mote: { [name: string]: unknown };');
  for (const name of api) lines.push(`__mote.${name} = ${name};`);
  lines.push(`__mote.version = '0.1.0';`);
  const source = bundleEntry({ source: lines.join('\n') }, opts.minify ?? true, {
    MOTE_NO_FLASH: flash ? 'false' : 'true',
    MOTE_NO_EXITS: m.exits.length ? 'false' : 'true',
    ...(maxMacs === undefined ? {} : { MOTE_MAX_MACS: String(maxMacs) }),
  });
  return { source, ops, parts };
}

/**
 * The runtime that `mote` flashes, emulates and fits for `model` on `target`: the bundle of
 * that model alone (what a device should carry; the generic bundle holds every kernel).
 */
export function runtimeFor(model: Uint8Array, target?: Target, maxMacs?: number): string {
  return bundleForModel(model, { target, maxMacs }).source;
}
