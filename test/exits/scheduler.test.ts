// The EXIT section and the runtime's scheduler on a crafted graph whose exits are known.
import { describe, expect, it } from 'vitest';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { load, run } from '../../src/runtime/model.js';
import { runExits, runExitsAsync, type ExitResult } from '../../src/runtime/schedule.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { craftedExits, CRAFTED_MACS } from './crafted.js';

const SURE_AT_0 = [5, 0, 0, 0];
const SURE_AT_1 = [0, 0, 0, 5];
const NEVER_SURE = [0.01, 0, 0, 0];

describe('EXIT section', () => {
  it('round-trips exit points and thresholds through the format', () => {
    const g = craftedExits([0.75, 0.3125]);
    g.exits![1].criterion = 'entropy';
    const bytes = writeMote(g);
    const back = readMote(bytes);
    expect(back.exits).toEqual(g.exits);
    expect(writeMote(back)).toEqual(bytes);
    const m = load(bytes);
    expect(m.exits.map((x) => [x.start, x.end, x.criterion, x.threshold])).toEqual([
      [1, 3, 0, 0.75],
      [4, 6, 1, 0.3125],
    ]);
    // Straight to exit 0: dense 4×4 then its head (12); to exit 1: 16 + head 12.
    expect(m.exits.map((x) => x.macs)).toEqual([CRAFTED_MACS.exit0, CRAFTED_MACS.exit1]);
    expect(m.exits[1].full).toBe(CRAFTED_MACS.backbone);
  });

  it('leaves files without exits as they were (no EXIT section)', () => {
    const g = craftedExits();
    delete g.exits;
    const m = load(writeMote(g));
    expect(m.exits).toEqual([]);
  });

  it('refuses heads whose values the backbone reads, naming the op', () => {
    const g = craftedExits();
    // The final dense now reads head 0's logits: skipping head 0 would starve it.
    g.ops[6] = { ...g.ops[6], input: 'e0.logits' } as (typeof g.ops)[number];
    g.tensors[3] = {
      ...g.tensors[3],
      shape: [3, 3],
      encoding: { kind: 'float32', data: new Float32Array(9) },
    };
    expect(() => load(writeMote(g))).toThrow(/section EXIT at byte \d+: op 6 reads from the head of exit 0/);
  });

  it('refuses an exit value outside its head and out-of-order heads', () => {
    const g = craftedExits();
    g.exits![0].output = 'h2';
    expect(() => load(writeMote(g))).toThrow(/exit 0: value \d+ is no 3-value output of its head/);
    const h = craftedExits();
    h.exits = [h.exits![1], h.exits![0]];
    expect(() => load(writeMote(h))).toThrow(/exit 1: head ops 1..3 out of order/);
  });

  it('refuses an EXIT payload that claims more exits than it holds, with the offset', () => {
    const bytes = writeMote(craftedExits());
    const text = Array.from(bytes.subarray(0, bytes.length - 4), (b) => String.fromCharCode(b)).join('');
    const at = text.indexOf('EXIT');
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint16(at + 8, true)).toBe(2);
    view.setUint16(at + 8, 3, true);
    // Re-stamp the CRC so the parser reaches the section.
    view.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
    expect(() => load(bytes)).toThrow(new RegExp(`section EXIT at byte ${at + 8 + 2 + 22}: .*exit value`));
  });
});

describe('scheduler', () => {
  const m = load(writeMote(craftedExits()));

  it('exits at the expected head on crafted inputs (confidence mode)', () => {
    const r0 = runExits(m, SURE_AT_0);
    expect([r0.exit, r0.label, r0.macs]).toEqual([0, 0, CRAFTED_MACS.exit0]);
    expect(r0.probs[0]).toBeGreaterThan(0.99);
    const r1 = runExits(m, SURE_AT_1);
    // Head 0 was tried and failed: its MACs count too.
    expect([r1.exit, r1.label, r1.macs]).toEqual([1, 2, CRAFTED_MACS.exit0 + 12]);
    const rf = runExits(m, NEVER_SURE);
    expect([rf.exit, rf.macs, rf.label]).toEqual([2, CRAFTED_MACS.all, 0]);
    expect(Array.from(rf.probs)).toEqual(Array.from(run(m, NEVER_SURE).outputs[0]));
  });

  it('uses the stored thresholds and the entropy criterion', () => {
    expect(runExits(load(writeMote(craftedExits([0.3, 0.9]))), SURE_AT_1).exit).toBe(0);
    const g = craftedExits();
    for (const x of g.exits!) x.criterion = 'entropy';
    g.exits![0].threshold = 0.01;
    g.exits![1].threshold = 0.01;
    const e = load(writeMote(g));
    expect(runExits(e, SURE_AT_0).exit).toBe(0);
    expect(runExits(e, SURE_AT_1).exit).toBe(1);
    expect(runExits(e, NEVER_SURE).exit).toBe(2);
  });

  it("'exit' mode runs straight to the exit asked for; past the last, to the end, skipping every head", () => {
    const r = runExits(m, SURE_AT_0, { mode: 'exit', exit: 2 });
    expect([r.exit, r.macs]).toEqual([2, CRAFTED_MACS.backbone]);
    expect(Array.from(r.probs)).toEqual(Array.from(run(m, SURE_AT_0).outputs[0]));
    const r1 = runExits(m, SURE_AT_0, { mode: 'exit', exit: 1 });
    expect([r1.exit, r1.macs, r1.label]).toEqual([1, CRAFTED_MACS.exit1, 0]);
  });

  it('budget mode picks the deepest exit that fits and never exceeds its budget', () => {
    for (let budget = 0; budget <= 60; budget++) {
      if (budget < CRAFTED_MACS.exit0) {
        expect(() => runExits(m, NEVER_SURE, { mode: 'budget', budget })).toThrow(/no exit fits budget/);
        continue;
      }
      const r = runExits(m, NEVER_SURE, { mode: 'budget', budget });
      expect(r.macs).toBeLessThanOrEqual(budget);
      expect(r.exit).toBe(budget >= CRAFTED_MACS.backbone ? 2 : 0);
    }
    // A time budget: 28 MACs at 0.5 ms each fit 14 ms, not 13.
    expect(runExits(m, NEVER_SURE, { mode: 'budget', budget: 14, msPerMac: 0.5 }).macs).toBe(28);
    expect(() => runExits(m, NEVER_SURE, { mode: 'budget', budget: 13, msPerMac: 0.5 })).toThrow(
      /fits budget 26/,
    );
    expect(() => runExits(m, NEVER_SURE, { mode: 'budget' })).toThrow(/no exit fits budget undefined/);
  });

  it('refuses an unknown mode', () => {
    expect(() => runExits(m, SURE_AT_0, { mode: 'fast' })).toThrow(/mode fast\?/);
  });
});

describe('cooperative scheduler', () => {
  const m = load(writeMote(craftedExits()));

  it('yields between layers and returns what the synchronous run returns', async () => {
    for (const x of [SURE_AT_0, SURE_AT_1, NEVER_SURE]) {
      const sync = runExits(m, x);
      let yields = 0;
      const r = await new Promise<ExitResult>((ok, no) =>
        runExitsAsync(
          m,
          x,
          {
            yielder: (next) => {
              yields++;
              setTimeout(next, 0);
            },
          },
          (err, res) => (err ? no(err) : ok(res!)),
        ),
      );
      expect(r).toEqual(sync);
      // One yield per backbone op or head reached: 2 to exit 0, 4 to exit 1, 6 to the end.
      expect(yields).toBe([2, 4, 6][sync.exit]);
    }
  });

  it('returns a promise without a callback, and lets other work run in between', async () => {
    const order: string[] = [];
    const p = runExitsAsync(m, NEVER_SURE) as Promise<ExitResult>;
    setTimeout(() => order.push('ui'), 0);
    const r = await p;
    order.push('done');
    expect(r).toEqual(runExits(m, NEVER_SURE));
    expect(order).toEqual(['ui', 'done']);
  });

  it('reports errors through the callback', async () => {
    const err = await new Promise((ok) => runExitsAsync(m, [1, 2], {}, (e) => ok(e)));
    expect(String(err)).toMatch(/input 'x' needs 4 values, got 2/);
  });
});
