// How long the device may take to load the runtime and a model, and to run it, before the
// bridge gives up: scaled by the work, priced with the target's cost model (targets/*.ts,
// an estimate of the device's speed), with a margin. docs/DEVICES.md states the same rule.
//
//   load = answer timeout + runtime bytes × 0.1 ms
//          + MARGIN × model bytes × µs per dense MAC
//          + (plan 'cache' or 'install') MARGIN × MACs × µs per dense-decode MAC
//   run  = answer timeout + MARGIN × runs × MACs × µs per dense-decode MAC
//
// Why these terms: Espruino runs the runtime bundle from its source text, lexing every byte
// (0.1 ms a byte is 10 KB/s, far below what a 64 MHz nRF52 lexes); loading a model visits
// every byte of it in JS (the runtime's CRC-32 check, then the parse), about one dense MAC's
// work a byte; the 'cache' and 'install' plans also decode every weight once, at most one
// per MAC; an inference costs at most its MACs at the dearest kernel's price. The 'stream'
// plan decodes nothing at load, so a model's MACs do not count there.
import type { Target } from '../../targets/target.js';
import { costOf } from '../../src/emulate/estimate.js';

/** Times the estimate, for a device slower than its cost model and a busy link. */
export const MARGIN = 4;
/** ms per byte of runtime source. */
export const RUNTIME_MS_PER_BYTE = 0.1;
/** For a target without a cost model: µs per dense MAC (Bangle.js 2's estimate, the slowest target). */
const FALLBACK_US_PER_MAC = { dense: 790, 'dense-decode': 3070 };

export interface TimeBudget {
  ms: number;
  /** How `ms` was reached, for messages: the terms with their values. */
  rule: string;
}

export interface LoadWork {
  runtimeBytes: number;
  modelBytes: number;
  /** MACs per inference; unknown (an older pointer record) counts 8 a model byte. */
  macs?: number;
  plan: string;
}

function prices(target: Target): { dense: number; decode: number } {
  const c = costOf(target);
  return c
    ? { dense: c.usPerMac.dense, decode: c.usPerMac['dense-decode'] }
    : { dense: FALLBACK_US_PER_MAC.dense, decode: FALLBACK_US_PER_MAC['dense-decode'] };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Time allowed for loading the runtime, and for loading the model. */
export function loadBudget(target: Target, answerMs: number, w: LoadWork): TimeBudget {
  const p = prices(target);
  const runtime = w.runtimeBytes * RUNTIME_MS_PER_BYTE;
  const bytes = (MARGIN * w.modelBytes * p.dense) / 1000;
  const decodes = w.plan !== 'stream';
  const macs = w.macs ?? w.modelBytes * 8;
  const decode = decodes ? (MARGIN * macs * p.decode) / 1000 : 0;
  const ms = Math.ceil(answerMs + runtime + bytes + decode);
  const terms = [
    `${s(answerMs)} answer timeout`,
    `${w.runtimeBytes} runtime bytes × ${RUNTIME_MS_PER_BYTE} ms = ${s(runtime)}`,
    `${MARGIN} × ${w.modelBytes} model bytes × ${p.dense} µs = ${s(bytes)}`,
  ];
  if (decodes)
    terms.push(
      `${MARGIN} × ${macs} MACs × ${p.decode} µs (plan '${w.plan}' decodes every weight) = ${s(decode)}`,
    );
  return { ms, rule: `${terms.join(' + ')}, with ${target.name}'s cost model` };
}

/** Time allowed for `runs` inferences in one request. */
export function runBudget(target: Target, answerMs: number, macs: number, runs: number): TimeBudget {
  const p = prices(target);
  const work = (MARGIN * runs * macs * p.decode) / 1000;
  return {
    ms: Math.ceil(answerMs + work),
    rule:
      `${s(answerMs)} answer timeout + ${MARGIN} × ${runs} run(s) × ${macs} MACs × ${p.decode} µs = ${s(work)}, ` +
      `with ${target.name}'s cost model`,
  };
}

/** A positive whole number of ms from the environment variable `name`, or undefined. */
export function envMs(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`mote: ${name} must be a positive number of ms, not '${v}'`);
  return Math.ceil(n);
}
