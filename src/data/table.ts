// A CSV table as a labelled data set: one sample per row, or windows of consecutive rows
// (time series). Features are every column but the label and group columns, or the ones
// named; every cell is checked, and an error names file, line and column.
import type { Dataset } from './digits.js';
import { cellAt, columnIndex, numberCell, type CsvTable } from './csv.js';
import { labelsFromText, type LabelSpace } from './labels.js';
import { planWindows } from './windows.js';

export interface TableOptions {
  /** The label column, by name or 0-based index (default: the last column). */
  label?: string | number;
  /** Feature columns by name or index (default: all but the label and group columns). */
  features?: (string | number)[];
  /** Rows per window (time series); absent: one sample per row. */
  window?: number;
  /** Rows between window starts (default: the window, no overlap). */
  stride?: number;
  /** A column whose change (a session, a person) also ends a window run. */
  group?: string | number;
  /** The classes the labels must belong to (a model's). */
  known?: LabelSpace;
}

export function tableDataset(t: CsvTable, o: TableOptions = {}): Dataset {
  const labelCol = o.label === undefined ? t.width - 1 : columnIndex(t, o.label, 'label column');
  const groupCol = o.group === undefined ? -1 : columnIndex(t, o.group, 'group column');
  if (groupCol === labelCol) throw new Error(`mote: ${t.file}: the group column is the label column`);
  const featureCols = o.features
    ? o.features.map((f) => columnIndex(t, f, 'feature column'))
    : [...Array(t.width).keys()].filter((c) => c !== labelCol && c !== groupCol);
  if (featureCols.length === 0)
    throw new Error(`mote: ${t.file}: no feature columns (the file has ${t.width} columns)`);
  for (const c of featureCols)
    if (c === labelCol || c === groupCol)
      throw new Error(`mote: ${t.file}: column ${c + 1} cannot be both a feature and the label or group`);
  const n = t.rows.length;
  const f = featureCols.length;
  const values = new Float32Array(n * f);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < f; j++) {
      try {
        values[r * f + j] = numberCell(t, r, featureCols[j]);
      } catch (e) {
        // A text column among the default features is likely an id: say how to leave it out.
        if (o.features || r > 0 || !/is not a number/.test((e as Error).message)) throw e;
        throw new Error(`${(e as Error).message} (leave it out with --features, or name it with --group)`);
      }
    }
  const cells = t.rows.map((row) => row[labelCol]);
  const { labels, classes, names } = labelsFromText(cells, (i) => cellAt(t, i, labelCol), o.known);
  const common = { classes, ...(names ? { labelNames: names } : {}) };
  if (o.window === undefined) {
    if (o.stride !== undefined) throw new Error('mote: a stride needs a window');
    return { features: values, labels, count: n, featureShape: [f], ...common };
  }
  const size = o.window;
  const stride = o.stride ?? size;
  const groups = groupCol < 0 ? undefined : t.rows.map((row) => row[groupCol]);
  const plan = planWindows(
    n,
    size,
    stride,
    (i) => cells[i] === cells[i - 1] && (!groups || groups[i] === groups[i - 1]),
  );
  if (plan.starts.length === 0)
    throw new Error(
      `mote: ${t.file}: no window of ${size} rows fits: the longest run of rows with one label${groups ? ' and group' : ''} has ${plan.longestRun}`,
    );
  const count = plan.starts.length;
  const features = new Float32Array(count * size * f);
  const windowLabels = new Uint8Array(count);
  plan.starts.forEach((s, k) => {
    features.set(values.subarray(s * f, (s + size) * f), k * size * f);
    windowLabels[k] = labels[s];
  });
  return { features, labels: windowLabels, count, featureShape: [size, f], channels: f, ...common };
}
