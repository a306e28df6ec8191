// Users' own labelled data, by file type: a CSV (one row per sample, or windows over
// time-series rows), NumPy .npy (features + a labels file) or .npz (both in one archive),
// or IDX (MNIST-style images + a labels file, raw or gzipped). Every loader names the
// file, and for text the line and column, of anything it refuses.
import { readFile } from 'node:fs/promises';
import type { Dataset } from './digits.js';
import { parseNpy, type NpyArray } from './npy.js';
import { parseNpz } from './npz.js';
import { parseIdx } from './idx.js';
import { parseCsvTable } from './csv.js';
import { tableDataset, type TableOptions } from './table.js';
import { labelsFromNumbers, type LabelSpace } from './labels.js';

export interface UserDataSource {
  /** The data file: .csv/.tsv/.txt, .npy, .npz, or IDX (…-ubyte, .idx, optionally .gz). */
  features: string;
  /** .npy or IDX labels, one class index per sample; not with CSV or .npz. */
  labels?: string;
  /** CSV: the label column (name or 0-based index); .npz: the labels array's name. */
  label?: string | number;
  /** CSV: the feature columns; .npz: [the features array's name]. */
  featureColumns?: string[];
  /** CSV windows over time-series rows. */
  window?: number;
  stride?: number;
  group?: string | number;
  /** The classes labels must belong to (a model's label names or class count). */
  known?: LabelSpace;
}

export type DataKind = 'csv' | 'npy' | 'npz' | 'idx';

export function dataKind(file: string): DataKind | undefined {
  const f = file.toLowerCase().replace(/\.gz$/, '');
  if (/\.(csv|tsv|txt)$/.test(f)) return 'csv';
  if (f.endsWith('.npy')) return 'npy';
  if (f.endsWith('.npz')) return 'npz';
  if (/(\.idx\d?|-ubyte|\.idx\d-ubyte)$/.test(f)) return 'idx';
  return undefined;
}

function empty(file: string): never {
  throw new Error(`mote: ${file}: the data set is empty (no samples)`);
}

/** Features [n, ...] and labels [n] as a data set. */
function fromArrays(
  x: NpyArray,
  xFile: string,
  y: NpyArray,
  yFile: string,
  known: LabelSpace | undefined,
  channels: (shape: number[]) => number | undefined,
): Dataset {
  if (x.shape.length < 2)
    throw new Error(`mote: ${xFile}: features must be [samples, ...], got shape [${x.shape}]`);
  if (x.shape[0] === 0) empty(xFile);
  if (y.shape.length !== 1 || y.shape[0] !== x.shape[0])
    throw new Error(
      `mote: ${yFile}: labels must have shape [${x.shape[0]}] (one per sample of ${xFile}), got [${y.shape}]`,
    );
  for (let i = 0; i < x.data.length; i++)
    if (!Number.isFinite(x.data[i])) {
      const per = x.data.length / x.shape[0];
      throw new Error(
        `mote: ${xFile}: sample ${Math.floor(i / per)}, value ${i % per}: ${x.data[i]} is not a finite number (missing value?)`,
      );
    }
  const { labels, classes, names } = labelsFromNumbers(y.data, (i) => `${yFile}: label ${i}`, known);
  const featureShape = x.shape.slice(1);
  const c = channels(featureShape);
  return {
    features: Float32Array.from(x.data),
    labels,
    count: x.shape[0],
    featureShape,
    classes,
    ...(names ? { labelNames: names } : {}),
    ...(c !== undefined ? { channels: c } : {}),
  };
}

/** Time series [T, C] and images [H, W, C] share statistics along the last axis. */
const lastAxis = (s: number[]) => (s.length >= 2 ? s[s.length - 1] : undefined);
/** IDX images [H, W] are one channel; [H, W, C] has C. */
const imageChannels = (s: number[]) => (s.length === 2 ? 1 : s.length === 3 ? s[2] : undefined);

function pickArray(
  arrays: Map<string, NpyArray>,
  file: string,
  wanted: string | undefined,
  usual: string[],
  what: string,
) {
  const names = wanted !== undefined ? [wanted] : usual;
  for (const n of names) {
    const a = arrays.get(n);
    if (a) return { name: n, array: a };
  }
  throw new Error(
    `mote: ${file}: no ${what} array ${names.map((n) => `'${n}'`).join(' or ')} (the archive holds ${[...arrays.keys()].join(', ')})`,
  );
}

export async function loadUserData(src: UserDataSource): Promise<Dataset> {
  const kind = dataKind(src.features);
  const csvOnly = src.window !== undefined || src.stride !== undefined || src.group !== undefined;
  if (kind !== 'csv' && csvOnly)
    throw new Error(`mote: ${src.features}: windows and groups apply to CSV files only`);
  if (kind === 'csv') {
    if (src.labels)
      throw new Error(`mote: ${src.features}: a CSV holds its own labels; drop the labels file`);
    return parseCsvDataset(await readFile(src.features, 'utf8'), src.features, src);
  }
  if (kind === 'npz') {
    if (src.labels)
      throw new Error(`mote: ${src.features}: a .npz holds its own labels; drop the labels file`);
    const arrays = parseNpz(await readFile(src.features), src.features);
    const x = pickArray(
      arrays,
      src.features,
      src.featureColumns?.[0],
      ['x', 'X', 'features', 'data', 'images', 'x_train'],
      'features',
    );
    const y = pickArray(
      arrays,
      src.features,
      src.label === undefined ? undefined : String(src.label),
      ['y', 'labels', 'targets', 'y_train'],
      'labels',
    );
    return fromArrays(
      x.array,
      `${src.features}[${x.name}]`,
      y.array,
      `${src.features}[${y.name}]`,
      src.known,
      lastAxis,
    );
  }
  if (kind === 'npy' || kind === 'idx') {
    if (src.label !== undefined || src.featureColumns)
      throw new Error(`mote: ${src.features}: label and feature columns apply to CSV and .npz files`);
    if (!src.labels)
      throw new Error(
        `mote: ${src.features}: ${kind === 'npy' ? '.npy' : 'IDX'} features need a labels file`,
      );
    const parse = (file: string, b: Uint8Array) =>
      dataKind(file) === 'idx' ? parseIdx(b, file) : parseNpy(b, file);
    const x = parse(src.features, await readFile(src.features));
    const y = parse(src.labels, await readFile(src.labels));
    return fromArrays(x, src.features, y, src.labels, src.known, kind === 'idx' ? imageChannels : lastAxis);
  }
  throw new Error(
    `mote: ${src.features}: unknown data file type (expected .csv, .tsv, .npy, .npz, or IDX such as train-images-idx3-ubyte[.gz])`,
  );
}

/** A CSV text as a data set (see TableOptions for the columns and windows). */
export function parseCsvDataset(
  text: string,
  file: string,
  opts: Pick<UserDataSource, 'label' | 'featureColumns' | 'window' | 'stride' | 'group' | 'known'> = {},
): Dataset {
  const table = parseCsvTable(text, file);
  const o: TableOptions = {
    label: opts.label,
    features: opts.featureColumns,
    window: opts.window,
    stride: opts.stride,
    group: opts.group,
    known: opts.known,
  };
  return tableDataset(table, o);
}
