// Class labels as the model's class indices. Labels may be names (CSV cells such as
// 'walking') or indices; names are sorted so the same set of names always gives the same
// indices. Against a model, a label must be one the model knows: its metadata's label
// names, or an index below its class count.

/** The classes a model already has: its label names, or just how many. */
export interface LabelSpace {
  names?: string[];
  classes?: number;
}

export interface Labelled {
  labels: Uint8Array;
  classes: number;
  /** Set when the labels were names. */
  names?: string[];
}

const MAX_CLASSES = 256;

function known(space: LabelSpace): string {
  if (space.names) return space.names.map((n) => `'${n}'`).join(', ');
  return `indices 0..${space.classes! - 1}`;
}

/** Labels from text cells; `where(i)` names the place of cell i in errors. */
export function labelsFromText(
  cells: string[],
  where: (i: number) => string,
  space: LabelSpace = {},
): Labelled {
  const labels = new Uint8Array(cells.length);
  cells.forEach((c, i) => {
    if (c === '') throw new Error(`mote: ${where(i)}: missing label`);
  });
  if (space.names || space.classes !== undefined) {
    const index = new Map((space.names ?? []).map((n, i) => [n, i]));
    const classes = space.names ? space.names.length : space.classes!;
    cells.forEach((c, i) => {
      let k = index.get(c);
      if (k === undefined && /^\d+$/.test(c) && Number(c) < classes) k = Number(c);
      if (k === undefined)
        throw new Error(`mote: ${where(i)}: label '${c}' is not one the model knows (${known(space)})`);
      labels[i] = k;
    });
    return { labels, classes, names: space.names };
  }
  // All numbers: class indices (a fraction there is a wrong column, not a class name).
  if (cells.every((c) => Number.isFinite(Number(c)))) return labelsFromNumbers(cells.map(Number), where);
  const names = [...new Set(cells)].sort();
  if (names.length > MAX_CLASSES)
    throw new Error(
      `mote: ${where(0).split(':')[0]}: ${names.length} distinct labels; at most ${MAX_CLASSES} classes`,
    );
  const index = new Map(names.map((n, i) => [n, i]));
  cells.forEach((c, i) => (labels[i] = index.get(c)!));
  return { labels, classes: names.length, names };
}

/** Labels that are class indices already (.npy, IDX, integer CSV cells). */
export function labelsFromNumbers(
  values: ArrayLike<number>,
  where: (i: number) => string,
  space: LabelSpace = {},
): Labelled {
  const limit = space.names ? space.names.length : (space.classes ?? MAX_CLASSES);
  const labels = new Uint8Array(values.length);
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0))
      throw new Error(`mote: ${where(i)}: label ${v} is not a class index (a whole number ≥ 0)`);
    if (v >= limit)
      throw new Error(
        space.names || space.classes !== undefined
          ? `mote: ${where(i)}: label ${v} is not one the model knows (${known(space)})`
          : `mote: ${where(i)}: label ${v}: at most ${MAX_CLASSES} classes`,
      );
    labels[i] = v;
    max = Math.max(max, v);
  }
  const classes = space.names ? space.names.length : (space.classes ?? max + 1);
  return { labels, classes, names: space.names };
}
