// Users' own labelled data for fine-tuning and evaluation: features and labels as .npy
// files, or one CSV whose last column (or a named column) is the class label.
import { readFile } from 'node:fs/promises';
import type { Dataset } from './digits.js';
import { parseNpy } from './npy.js';

export interface UserDataSource {
  /** .npy [n, ...featureShape] or a .csv (one row per sample). */
  features: string;
  /** .npy [n] of class indices; required with .npy features, not allowed with CSV. */
  labels?: string;
  /** CSV: the label column, by header name or 0-based index (default: the last column). */
  labelColumn?: string | number;
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
}

function checkLabels(
  labels: ArrayLike<number>,
  file: string,
  classes?: number,
): { labels: Uint8Array; classes: number } {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!(Number.isInteger(v) && v >= 0 && v < 256))
      throw new Error(`mote: ${file}: label ${i} is ${v}; labels must be class indices 0..255`);
    max = Math.max(max, v);
  }
  const n = classes ?? max + 1;
  if (max >= n) throw new Error(`mote: ${file}: label ${max} is not below the ${n} classes given`);
  return { labels: Uint8Array.from(labels), classes: n };
}

function empty(file: string): never {
  throw new Error(`mote: ${file}: the data set is empty (no samples)`);
}

export async function loadUserData(src: UserDataSource): Promise<Dataset> {
  if (src.features.endsWith('.npy')) {
    if (!src.labels) throw new Error(`mote: ${src.features}: .npy features need a labels .npy file`);
    const x = parseNpy(await readFile(src.features), src.features);
    const y = parseNpy(await readFile(src.labels), src.labels);
    if (x.shape.length < 2)
      throw new Error(`mote: ${src.features}: features must be [samples, ...], got shape [${x.shape}]`);
    if (x.shape[0] === 0) empty(src.features);
    if (y.shape.length !== 1 || y.shape[0] !== x.shape[0])
      throw new Error(
        `mote: ${src.labels}: labels must have shape [${x.shape[0]}] (one per sample of ${src.features}), got [${y.shape}]`,
      );
    const { labels, classes } = checkLabels(y.data, src.labels, src.classes);
    return {
      features: Float32Array.from(x.data),
      labels,
      count: x.shape[0],
      featureShape: x.shape.slice(1),
      classes,
    };
  }
  if (src.features.endsWith('.csv')) {
    if (src.labels)
      throw new Error(`mote: ${src.features}: a CSV holds its own labels; drop the labels file`);
    return parseCsvDataset(await readFile(src.features, 'utf8'), src.features, src);
  }
  throw new Error(`mote: ${src.features}: unknown data file type (expected .npy or .csv)`);
}

export function parseCsvDataset(
  text: string,
  file: string,
  opts: Omit<UserDataSource, 'features' | 'labels'> = {},
): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) empty(file);
  const split = (l: string) => l.split(',').map((c) => c.trim());
  let rows = lines.map(split);
  const width = rows[0].length;
  // A first row that is not all numbers is a header.
  const header = rows[0].some((c) => c === '' || !Number.isFinite(Number(c))) ? rows[0] : undefined;
  if (header) rows = rows.slice(1);
  if (rows.length === 0) empty(file);
  let col = width - 1;
  if (typeof opts.labelColumn === 'number') col = opts.labelColumn;
  else if (typeof opts.labelColumn === 'string') {
    col = header ? header.indexOf(opts.labelColumn) : -1;
    if (col < 0) throw new Error(`mote: ${file}: no column named '${opts.labelColumn}' in the header`);
  }
  if (!(col >= 0 && col < width))
    throw new Error(`mote: ${file}: label column ${col} is outside the ${width} columns`);
  if (width < 2) throw new Error(`mote: ${file}: needs at least one feature column and a label column`);
  const features = new Float32Array(rows.length * (width - 1));
  const raw = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const line = i + (header ? 2 : 1);
    if (r.length !== width)
      throw new Error(`mote: ${file}: line ${line} has ${r.length} columns, expected ${width}`);
    let at = i * (width - 1);
    r.forEach((c, j) => {
      const v = Number(c);
      if (c === '' || !Number.isFinite(v))
        throw new Error(`mote: ${file}: line ${line}, column ${j + 1}: '${c}' is not a number`);
      if (j === col) raw[i] = v;
      else features[at++] = v;
    });
  });
  const { labels, classes } = checkLabels(raw, file, opts.classes);
  return { features, labels, count: rows.length, featureShape: [width - 1], classes };
}
