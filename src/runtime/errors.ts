// Every problem the runtime finds in a file or an input is reported through here, so
// messages share one shape: what was being read, the byte offset, and what was wrong.

/** Throws `mote: <where> at byte <offset>: <problem>`. Never returns. */
export function fail(where: string, offset: number, problem: string): never {
  throw new Error('mote: ' + where + ' at byte ' + offset + ': ' + problem);
}
