// The options that read a user's data file, shared by train, eval and compress: the file,
// its labels file (.npy, IDX), the CSV label and feature columns, and windows over
// time-series rows.
import { dataKind, type UserDataSource } from '../data/user.js';
import type { LabelSpace } from '../data/labels.js';
import { numberFlag, UsageError } from './usage.js';

export interface DataFlags {
  data?: string;
  'data-labels'?: string;
  label?: string;
  features?: string;
  window?: string;
  stride?: string;
  group?: string;
}

export const DATA_FLAGS_HELP = `reading --data FILE:
  .csv/.tsv     one row per sample (or per reading, with --window); a header line names columns
  .npy          features [n, ...] with --data-labels labels.npy (class indices [n])
  .npz          arrays x (or features) and y (or labels) in one archive (np.savez)
  IDX           MNIST-style images (…-idx3-ubyte, raw or .gz) with --data-labels …-idx1-ubyte
  --label NAME|INDEX    CSV label column (default: the last); names become classes;
                        .npz: the labels array's name
  --features a,b,c      CSV feature columns (default: all but label and group); .npz: the features array
  --window N            CSV time series: samples of N consecutive rows ...
  --stride S            ... starting every S rows (default: N); a window never crosses a change
  --group COLUMN        of label, nor of this column (a session, a person, a file)`;

/** The data source the flags describe, or undefined without --data. */
export function dataSource(f: DataFlags, known?: LabelSpace): UserDataSource | undefined {
  const reading = ['data-labels', 'label', 'features', 'window', 'stride', 'group'] as const;
  if (f.data === undefined) {
    const given = reading.find((k) => f[k] !== undefined);
    if (given) throw new UsageError(`--${given} needs --data`);
    return undefined;
  }
  const whole = (name: 'window' | 'stride') => {
    const v = numberFlag(name, f[name], 1, 1e6);
    if (v !== undefined && !Number.isInteger(v)) throw new UsageError(`--${name} must be a whole number`);
    return v;
  };
  const window = whole('window');
  const stride = whole('stride');
  if (stride !== undefined && window === undefined) throw new UsageError('--stride needs --window');
  if (f.group !== undefined && window === undefined) throw new UsageError('--group needs --window');
  // Which flags go with which file type is a command-line matter (exit 2), before any reading.
  const kind = dataKind(f.data);
  if ((kind === 'npy' || kind === 'idx') && f['data-labels'] === undefined)
    throw new UsageError(
      `--data ${f.data} needs --data-labels <labels file> (class indices, one per sample)`,
    );
  if ((kind === 'csv' || kind === 'npz') && f['data-labels'] !== undefined)
    throw new UsageError(`--data ${f.data} holds its own labels: drop --data-labels`);
  if (kind !== 'csv' && window !== undefined) throw new UsageError('--window applies to CSV files');
  return {
    features: f.data,
    labels: f['data-labels'],
    label: f.label,
    featureColumns: f.features?.split(',').map((s) => s.trim()),
    window,
    stride,
    group: f.group,
    known,
  };
}
