// Estimated on-device time of each op: the counts the runtime's profile reports (MACs,
// decoded stream bits, output elements) priced by a target's cost model.
import type { OpProfile } from '../runtime/model.js';
import type { CostModel } from '../../targets/target.js';

/** One op's counts and its estimated on-device time, with the parts that make it up. */
export interface OpEstimate {
  /** The op's output value name. */
  name: string;
  op: string;
  kernel: string;
  macs: number;
  bits: number;
  elements: number;
  /** MAC, decode, element and fixed per-op time, summed. */
  estimatedMs: number;
  macMs: number;
  decodeMs: number;
  elementMs: number;
  overheadMs: number;
  /** Set when the kernel has no MAC price of its own and another kernel's was used. */
  note?: string;
}

export interface EstimateTotals {
  macs: number;
  bits: number;
  elements: number;
  estimatedMs: number;
  macMs: number;
  decodeMs: number;
  elementMs: number;
  overheadMs: number;
}

type MacKernel = keyof CostModel['usPerMac'];

function isMacKernel(cost: CostModel, kernel: string): kernel is MacKernel {
  return Object.prototype.hasOwnProperty.call(cost.usPerMac, kernel);
}

/**
 * Estimated time per op, in ms:
 * macs × usPerMac[kernel] + bits × usPerDecodedBit + elements × usPerElement + usPerOp.
 * Element-wise ops (relu, softmax) have no MAC price. A reshape writes nothing (it shares
 * its input's buffer), so its elements cost nothing. A dense kernel the cost model does
 * not price (a newer one) is priced as 'dense-decode', and the row says so.
 */
export function estimateOps(profile: readonly OpProfile[], cost: CostModel): OpEstimate[] {
  return profile.map((p) => {
    let usPerMac = 0;
    let note: string | undefined;
    if (isMacKernel(cost, p.kernel)) usPerMac = cost.usPerMac[p.kernel];
    else if (p.macs > 0) {
      usPerMac = cost.usPerMac['dense-decode'];
      note = `kernel '${p.kernel}' has no MAC price; priced as 'dense-decode'`;
    }
    const macMs = (p.macs * usPerMac) / 1000;
    const decodeMs = (p.bits * cost.usPerDecodedBit) / 1000;
    const elementMs = p.kernel === 'reshape' ? 0 : (p.elements * cost.usPerElement) / 1000;
    const overheadMs = cost.usPerOp / 1000;
    const row: OpEstimate = {
      name: p.name,
      op: p.op,
      kernel: p.kernel,
      macs: p.macs,
      bits: p.bits,
      elements: p.elements,
      estimatedMs: macMs + decodeMs + elementMs + overheadMs,
      macMs,
      decodeMs,
      elementMs,
      overheadMs,
    };
    if (note) row.note = note;
    return row;
  });
}

/** Sums of the counts and estimated times over all ops. */
export function estimateTotals(ops: readonly OpEstimate[]): EstimateTotals {
  const t: EstimateTotals = {
    macs: 0,
    bits: 0,
    elements: 0,
    estimatedMs: 0,
    macMs: 0,
    decodeMs: 0,
    elementMs: 0,
    overheadMs: 0,
  };
  for (const o of ops) {
    t.macs += o.macs;
    t.bits += o.bits;
    t.elements += o.elements;
    t.estimatedMs += o.estimatedMs;
    t.macMs += o.macMs;
    t.decodeMs += o.decodeMs;
    t.elementMs += o.elementMs;
    t.overheadMs += o.overheadMs;
  }
  return t;
}

/**
 * The target's cost model, or undefined when its descriptor has none yet (descriptors
 * written before cost models existed): callers then report no estimate rather than fail.
 */
export function costOf(target: { cost?: CostModel }): CostModel | undefined {
  const c = target.cost;
  return c && c.usPerMac ? c : undefined;
}
