// The shipped bundle's scheduler under Duktape (strict ES5.1, no setTimeout, no
// Promise): mote.runExits exits where the host runtime does, and mote.runExitsAsync with
// a callback yielder gives the same results after yielding between layers.
import { describe, expect, it } from 'vitest';
import { writeMote } from '../../src/format/writer.js';
import { load } from '../../src/runtime/model.js';
import { runExits } from '../../src/runtime/schedule.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { runDukProgram } from '../../targets/engines/duktape.js';
import { craftedExits } from './crafted.js';

const INPUTS = [
  [5, 0, 0, 0],
  [0, 0, 0, 5],
  [0.01, 0, 0, 0],
];

describe('the bundled scheduler in Duktape', () => {
  it('exits where the host runtime does, synchronously and cooperatively', async () => {
    const bytes = writeMote(craftedExits());
    // The model crosses as base64 text decoded by the script, never as code.
    const b64 = Buffer.from(bytes).toString('base64');
    const script = `${await runtimeBundle()}
var A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function unb64(s) {
  var out = [], buf = 0, bits = 0;
  for (var i = 0; i < s.length && s.charAt(i) !== '='; i++) {
    buf = (buf << 6) | A.indexOf(s.charAt(i)); bits += 6;
    if (bits >= 8) { bits -= 8; out.push((buf >> bits) & 255); }
  }
  return new Uint8Array(out);
}
var m = mote.load(unb64('${b64}'));
var inputs = ${JSON.stringify(INPUTS)};
var sync = [], coop = [], queue = [], yields = 0;
for (var i = 0; i < inputs.length; i++) {
  var r = mote.runExits(m, inputs[i]);
  sync.push([r.exit, r.label, r.macs, Array.prototype.slice.call(r.probs)]);
}
function next(i) {
  if (i === inputs.length) return;
  mote.runExitsAsync(m, inputs[i], { yielder: function (f) { yields++; queue.push(f); } }, function (err, r) {
    coop.push(err ? String(err) : [r.exit, r.label, r.macs, Array.prototype.slice.call(r.probs)]);
    next(i + 1);
  });
}
next(0);
while (queue.length) queue.shift()();
print(JSON.stringify({ sync: sync, coop: coop, yields: yields, promise: typeof Promise }));
`;
    const out = JSON.parse(await runDukProgram(script, 20_000)) as {
      sync: [number, number, number, number[]][];
      coop: unknown[];
      yields: number;
    };
    const m = load(bytes);
    const host = INPUTS.map((x) => {
      const r = runExits(m, x);
      return [r.exit, r.label, r.macs, Array.from(r.probs)];
    });
    expect(out.sync).toEqual(host);
    expect(out.sync.map((r) => r[0])).toEqual([0, 1, 2]);
    expect(out.coop).toEqual(host);
    // 2 + 4 + 6 layers reached (see scheduler.test.ts).
    expect(out.yields).toBe(12);
  });
});
