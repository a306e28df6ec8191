// The EXIT section: early-exit heads. A head is a contiguous run of ops placed right
// after the backbone value it reads, ending in the class probabilities of that exit;
// the scheduler (schedule.ts) runs a head or skips it, so nothing else may read what a
// head computes. Layout in docs/FORMAT.md.
import { fail } from './errors.js';
import { cursor, f32, u16, u8 } from './cursor.js';
import { Sections } from './container.js';
import { GraphInfo } from './graph.js';

/** Criteria: exit when max probability ≥ threshold, or when entropy (nats) ≤ threshold. */
export var CRITERIA = ['maxprob', 'entropy'];

export interface ExitInfo {
  /** The value holding this exit's class probabilities. */
  value: number;
  /** The head is ops [start, end). */
  start: number;
  end: number;
  criterion: number;
  threshold: number;
  /** MACs to reach this exit straight: backbone ops before the head plus the head. */
  macs: number;
  /** MACs of the model run to its end, every head skipped (the same in every entry). */
  full: number;
}

export function readExits(bytes: Uint8Array, s: Sections, g: GraphInfo): ExitInfo[] {
  var exits: ExitInfo[] = [];
  if (s.start.EXIT === undefined) return exits;
  var c = cursor(bytes, s.start.EXIT, s.end.EXIT, 'section EXIT');
  var n = u16(c, 'exit count');
  var nops = g.ops.length;
  // Per op and per value: 1 + the exit whose head runs or writes it, else 0.
  var headOfOp: number[] = [];
  var headOfValue: number[] = [];
  var classes = g.values[g.outputs[0]].size;
  var prevEnd = 0;
  for (var e = 0; e < n; e++) {
    var at = c.pos;
    var value = u16(c, 'exit value');
    var start = u16(c, 'exit head start');
    var end = u16(c, 'exit head end');
    var criterion = u8(c, 'exit criterion');
    var threshold = f32(c, 'exit threshold');
    var what = 'exit ' + e;
    if (start < prevEnd || end <= start || end >= nops)
      fail(c.where, at, what + ': head ops ' + start + '..' + end + ' out of order or range');
    if (criterion > 1 || threshold - threshold !== 0)
      fail(c.where, at + 6, what + ': bad criterion or threshold');
    for (var o = start; o < end; o++) {
      headOfOp[o] = e + 1;
      headOfValue[g.ops[o].output] = e + 1;
    }
    if (value >= g.values.length || headOfValue[value] !== e + 1 || g.values[value].size !== classes)
      fail(c.where, at, what + ': value ' + value + ' is no ' + classes + '-value output of its head');
    exits.push({
      value: value,
      start: start,
      end: end,
      criterion: criterion,
      threshold: threshold,
      macs: 0,
      full: 0,
    });
    prevEnd = end;
  }
  if (c.pos !== c.end) fail(c.where, c.pos, 'extra bytes');
  var backbone = 0;
  var k = 0;
  for (o = 0; o < nops; o++) {
    var op = g.ops[o];
    for (var j = 0; j < op.inputs.length; j++) {
      var h = headOfValue[op.inputs[j]];
      if (h && h !== headOfOp[o])
        fail(c.where, s.start.EXIT, 'op ' + o + ' reads from the head of exit ' + (h - 1));
    }
    if (!headOfOp[o]) backbone += op.macs;
    else {
      k = headOfOp[o] - 1;
      if (o === exits[k].start) exits[k].macs = backbone;
      exits[k].macs += op.macs;
    }
  }
  for (k = 0; k < n; k++) exits[k].full = backbone;
  for (o = 0; o < g.outputs.length; o++) {
    if (headOfValue[g.outputs[o]]) fail(c.where, s.start.EXIT, 'output ' + o + ' is in a head');
  }
  return exits;
}
