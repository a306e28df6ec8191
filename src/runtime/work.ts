// The work bound: what one inference may cost, computed from the header before anything
// runs, so a small file that declares huge shapes is refused at load instead of spinning.
// An op's cost is its MACs (from its registration's check, the loops its kernel runs) plus
// one per output element (element-wise ops, copies, the write of every output).
import type { GraphInfo } from './graph.js';
import { OPS } from './registry.js';

/** Set by `mote bundle --target T`: that target's bound (targets/*.ts maxMacs). */
declare var MOTE_MAX_MACS: number;

/** The bound without a target: about a minute of Node on a small host (targets/node.ts). */
export var HOST_MAX_MACS = 4e10;

/** The bound load() applies when its options give none. */
export function defaultMaxMacs(): number {
  return typeof MOTE_MAX_MACS === 'undefined' ? HOST_MAX_MACS : MOTE_MAX_MACS;
}

/** 4.3e12, 4e10 (figures of a million or more, to 2 digits), else the integer. */
export function figure(x: number): string {
  return x < 1e6 ? '' + x : Number(x.toPrecision(2)).toExponential().replace('+', '');
}

/** The cost of op `o`: its MACs plus its output's element count. */
export function opCost(g: GraphInfo, o: number): number {
  var op = g.ops[o];
  return op.macs + g.values[op.output].size;
}

/** Refuses a graph whose layers, one or all together, cost more than `limit`. */
export function checkWork(g: GraphInfo, limit: number): void {
  var total = 0;
  var big = 0;
  var most = 0;
  for (var o = 0; o < g.ops.length; o++) {
    var c = opCost(g, o);
    if (c > limit) refuse('layer ' + o + ' (' + OPS[g.ops[o].code]!.name + ')', c, limit);
    if (c > most) {
      most = c;
      big = o;
    }
    total += c;
  }
  if (total > limit)
    refuse('the model (all ' + g.ops.length + ' layers; layer ' + big + ' the largest)', total, limit);
}

function refuse(what: string, cost: number, limit: number): never {
  throw new Error(
    'mote: ' +
      what +
      ': ' +
      figure(cost) +
      ' MACs exceeds the limit of ' +
      figure(limit) +
      ' (raise it with --max-macs, or the load option maxMacs)',
  );
}
