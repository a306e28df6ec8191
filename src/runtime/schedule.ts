// The dynamic-depth scheduler: runs a model's ops in order and, at each early-exit head
// (EXIT section), evaluates it and stops when it is confident, or skips it. Kept small:
// every byte here costs heap on a watch (the bundle is parsed there).
import { fail } from './errors.js';
import { checkFinite, feed, Model, step } from './model.js';

export interface ExitOptions {
  /**
   * 'confidence' (default): try every head, stop at the first confident one.
   * 'budget': run straight to the deepest exit whose MACs fit `budget`.
   * 'exit': run straight to exit `exit` (exits.length or more: the end, every head skipped).
   */
  mode?: string;
  /** MACs; or milliseconds when `msPerMac` (the target's estimated time per MAC) is given. */
  budget?: number;
  msPerMac?: number;
  exit?: number;
  /** runExitsAsync: how to yield between layers (default setTimeout 0). */
  yielder?: (next: () => void) => void;
}

export interface ExitResult {
  label: number;
  /** The class probabilities of the exit that fired (a copy). */
  probs: Float32Array;
  /** Index of the exit that fired; exits.length means the model ran to its end. */
  exit: number;
  macs: number;
}

/** One inference in progress: next op `o`, next exit `e`, exit to stop at `t` (-1: any). */
interface Job {
  m: Model;
  /** The input, to find the first layer that went non-finite (checkFinite). */
  x: ArrayLike<number> | ArrayLike<number>[];
  o: number;
  e: number;
  t: number;
  macs: number;
  r: ExitResult | null;
}

function begin(m: Model, input: ArrayLike<number> | ArrayLike<number>[], opts?: ExitOptions): Job {
  var o = opts || {};
  var ex = m.exits;
  var t = -1;
  if (o.mode === 'exit') t = o.exit!;
  else if (o.mode === 'budget') {
    var b = o.msPerMac ? o.budget! / o.msPerMac : o.budget!;
    // The deepest exit that fits (none if b is not a number); the end costs every op outside a head.
    for (t = ex.length; t >= 0 && !((t < ex.length ? ex[t].macs : t ? ex[0].full : m.macs) <= b); t--);
    if (t < 0) fail('options', 0, 'no exit fits budget ' + b);
  } else if (o.mode && o.mode !== 'confidence') fail('options', 0, 'mode ' + o.mode + '?');
  feed(m, input);
  return { m: m, x: input, o: 0, e: 0, t: t, macs: 0, r: null };
}

/** Runs one backbone op, or one whole head (evaluated or skipped); true when done. */
function advance(j: Job): boolean {
  var m = j.m;
  var ops = m.graph.ops;
  var e = j.e;
  var x = m.exits[e];
  var o = j.o;
  // The value holding the probabilities to return, once an exit fires.
  var v = -1;
  var i: number;
  if (x && o === x.start) {
    if (j.t < 0 || j.t === e) {
      for (; o < x.end; o++) {
        step(m, o);
        j.macs += ops[o].macs;
      }
      // Confidence: max probability ≥ threshold, or entropy (nats) ≤ threshold.
      var p = m.buffers[x.value];
      var best = 0;
      var h = 0;
      for (i = 0; i < p.length; i++) {
        if (p[i] > best) best = p[i];
        if (p[i] > 0) h -= p[i] * Math.log(p[i]);
      }
      if (j.t === e || (x.criterion ? h <= x.threshold : best >= x.threshold)) v = x.value;
    }
    j.o = x.end;
    j.e++;
  } else {
    step(m, o);
    j.macs += ops[o].macs;
    if (++j.o === ops.length) v = m.graph.outputs[0];
  }
  if (v < 0) return false;
  checkFinite(m, v, j.x);
  var q = new Float32Array(m.buffers[v]);
  var label = 0;
  for (i = 1; i < q.length; i++) if (q[i] > q[label]) label = i;
  j.r = { label: label, probs: q, exit: j.e > e ? e : m.exits.length, macs: j.macs };
  return true;
}

/** One inference that stops at the first confident exit (or as `opts.mode` says). */
export function runExits(
  m: Model,
  input: ArrayLike<number> | ArrayLike<number>[],
  opts?: ExitOptions,
): ExitResult {
  var j = begin(m, input, opts);
  while (!advance(j));
  return j.r!;
}

type Callback = (err: unknown, r?: ExitResult) => void;

/**
 * runExits(), yielding to the event loop after every layer (a head counts as one) so a
 * watch UI stays responsive. The result goes to `callback(err, result)`; without one, a
 * promise is returned where the engine has Promise. Don't run the model meanwhile.
 */
export function runExitsAsync(
  m: Model,
  input: ArrayLike<number> | ArrayLike<number>[],
  opts?: ExitOptions,
  callback?: Callback,
): unknown {
  var later =
    (opts && opts.yielder) ||
    function (next: () => void) {
      setTimeout(next, 0);
    };
  function go(cb: Callback) {
    var j: Job;
    function tick() {
      try {
        j = j || begin(m, input, opts);
        if (advance(j)) return cb(null, j.r!);
      } catch (e) {
        return cb(e);
      }
      later(tick);
    }
    later(tick);
  }
  if (callback) return go(callback);
  // Named through a variable: ES5 engines without Promise still parse this file.
  var P = (typeof Promise !== 'undefined' ? Promise : null) as unknown as PromiseConstructor;
  if (!P) fail('options', 0, 'no Promise: pass a callback');
  return new P(function (ok, no) {
    go(function (err, r) {
      if (err) no(err);
      else ok(r);
    });
  });
}
