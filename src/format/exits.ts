// The EXIT section (docs/FORMAT.md) from and to the IR's exit points. The runtime's
// reader (runtime/exits.ts) checks every rule; the writer checks names and ranges so a
// bad graph fails at compile time with the exit named.
import type { ExitPoint, Graph } from '../ir/types.js';
import type { ExitInfo } from '../runtime/exits.js';
import { CRITERIA } from '../runtime/exits.js';
import { ByteWriter } from './bytewriter.js';

/** The EXIT payload, or null for a graph without exits (its file stays as before). */
export function writeExits(g: Graph): Uint8Array | null {
  if (!g.exits?.length) return null;
  const valueIndex = new Map([...g.inputs, ...g.values].map((v, i) => [v.name, i]));
  const w = new ByteWriter();
  w.u16(g.exits.length);
  g.exits.forEach((x, e) => {
    const at = `exit ${e} ('${x.output}')`;
    const value = valueIndex.get(x.output);
    if (value === undefined) throw new Error(`mote: ${at}: no value named '${x.output}'`);
    if (!(x.start >= 0 && x.end > x.start && x.end < g.ops.length))
      throw new Error(
        `mote: ${at}: head ops ${x.start}..${x.end} are outside the graph's ${g.ops.length} ops`,
      );
    if (!Number.isFinite(x.threshold)) throw new Error(`mote: ${at}: threshold ${x.threshold} is not finite`);
    w.u16(value).u16(x.start).u16(x.end).u8(CRITERIA.indexOf(x.criterion)).f32(x.threshold);
  });
  return w.finish();
}

/** The IR exit points of the runtime's parsed EXIT section. */
export function exitPoints(infos: ExitInfo[], valueName: (i: number) => string): ExitPoint[] {
  return infos.map((x) => ({
    output: valueName(x.value),
    start: x.start,
    end: x.end,
    criterion: CRITERIA[x.criterion] as ExitPoint['criterion'],
    threshold: x.threshold,
  }));
}
