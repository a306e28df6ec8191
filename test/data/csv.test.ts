// CSV data sets: columns by name or index, string labels as class names, windows over
// time-series rows, and errors that name file, line and column.
import { describe, expect, it } from 'vitest';
import { parseCsvDataset } from '../../src/data/user.js';
import { planWindows } from '../../src/data/windows.js';

const series = [
  'session,t,ax,ay,activity',
  's1,0,1,10,walk',
  's1,1,2,20,walk',
  's1,2,3,30,walk',
  's1,3,4,40,walk',
  's1,4,5,50,run',
  's1,5,6,60,run',
  's1,6,7,70,run',
  's2,0,8,80,run',
  's2,1,9,90,run',
  '',
].join('\n');

describe('CSV data sets', () => {
  it('maps string labels to sorted class names and picks feature columns by name', () => {
    const d = parseCsvDataset(series, 's.csv', { label: 'activity', featureColumns: ['ax', 'ay'] });
    expect(d.labelNames).toEqual(['run', 'walk']);
    expect(Array.from(d.labels)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(d.featureShape).toEqual([2]);
    expect(Array.from(d.features.subarray(0, 4))).toEqual([1, 10, 2, 20]);
  });

  it('cuts windows that never cross a label change or a group change', () => {
    const d = parseCsvDataset(series, 's.csv', {
      label: 'activity',
      featureColumns: ['ax', 'ay'],
      window: 2,
      stride: 1,
      group: 'session',
    });
    // walk rows 1-4: 3 windows; run rows 5-7 (s1): 2; run rows 8-9 (s2): 1.
    expect(d.count).toBe(6);
    expect(d.featureShape).toEqual([2, 2]);
    expect(d.channels).toBe(2);
    expect(Array.from(d.labels)).toEqual([1, 1, 1, 0, 0, 0]);
    // The s2 window starts at ax = 8: no window holds 7 and 8 together.
    const starts = Array.from({ length: d.count }, (_, i) => d.features[i * 4]);
    expect(starts).toEqual([1, 2, 3, 5, 6, 8]);
    // Without the group, the run across sessions is one run of 5 rows.
    const g = parseCsvDataset(series, 's.csv', {
      label: 'activity',
      featureColumns: ['ax'],
      window: 2,
      stride: 1,
    });
    expect(g.count).toBe(7);
  });

  it('takes the label column by 0-based index and a header-less file', () => {
    const d = parseCsvDataset('0,1.5,2\n1,-1,3\n', 'n.csv', { label: 0 });
    expect(Array.from(d.labels)).toEqual([0, 1]);
    expect(Array.from(d.features)).toEqual([1.5, 2, -1, 3]);
    expect(d.labelNames).toBeUndefined();
  });

  it('reads tab-separated files and quoted cells', () => {
    const d = parseCsvDataset('x\ty\tlabel\n1\t2\t"a b"\n3\t4\t"c, ""d"""\n', 't.tsv');
    expect(d.labelNames).toEqual(['a b', 'c, "d"']);
  });

  it('names file, line and column of missing values, text cells and ragged rows', () => {
    const text = 'ax,ay,label\n1,2,a\n\n3,,b\n';
    // Line 4: blank lines count.
    expect(() => parseCsvDataset(text, 'm.csv')).toThrow(/m\.csv: line 4, column 2 \('ay'\): missing value/);
    expect(() => parseCsvDataset('ax,ay,label\n1,NaN,a\n', 'n.csv')).toThrow(
      /line 2, column 2 \('ay'\): missing value/,
    );
    expect(() => parseCsvDataset('ax,ay,label\n1,2,a\n1,2g,b\n', 'g.csv')).toThrow(
      /g\.csv: line 3, column 2 \('ay'\): '2g' is not a number/,
    );
    expect(() => parseCsvDataset('ax,ay,label\n1,2,a\n1,2\n', 'r.csv')).toThrow(
      /r\.csv: line 3 has 2 columns, expected 3 \(as the header\)/,
    );
    expect(() => parseCsvDataset('ax,ay,label\n1,2,\n', 'l.csv')).toThrow(
      /l\.csv: line 2, column 3 \('label'\): missing label/,
    );
    expect(() => parseCsvDataset('', 'e.csv')).toThrow(/e\.csv: the file is empty/);
    expect(() => parseCsvDataset('ax,ay,label\n', 'h.csv')).toThrow(
      /h\.csv: the file holds only a header line/,
    );
    expect(() => parseCsvDataset(series, 's.csv', { label: 'activty' })).toThrow(
      /label column 'activty' is not a column name or a 0-based index \(columns: session, t, ax, ay, activity\)/,
    );
    // An id column left among the features: the error says how to leave it out.
    expect(() => parseCsvDataset(series, 's.csv', { label: 'activity' })).toThrow(
      /line 2, column 1 \('session'\): 's1' is not a number \(leave it out with --features, or name it with --group\)/,
    );
  });

  it('refuses labels the model does not know, naming the place', () => {
    const known = { names: ['run', 'walk'] };
    const ok = parseCsvDataset('ax,label\n1,walk\n2,run\n', 'k.csv', { known });
    expect(Array.from(ok.labels)).toEqual([1, 0]);
    expect(() => parseCsvDataset('ax,label\n1,walk\n2,swim\n', 'k.csv', { known })).toThrow(
      /k\.csv: line 3, column 2 \('label'\): label 'swim' is not one the model knows \('run', 'walk'\)/,
    );
    expect(() => parseCsvDataset('ax,label\n1,1\n2,3\n', 'k.csv', { known: { classes: 3 } })).toThrow(
      /line 3, column 2 \('label'\): label '3' is not one the model knows \(indices 0\.\.2\)/,
    );
  });

  it('says when no window fits', () => {
    expect(() =>
      parseCsvDataset(series, 's.csv', {
        label: 'activity',
        featureColumns: ['ax'],
        window: 5,
        group: 'session',
      }),
    ).toThrow(/no window of 5 rows fits: the longest run of rows with one label and group has 4/);
  });
});

describe('windows', () => {
  it('start every stride rows inside each run', () => {
    const runOf = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1];
    const p = planWindows(10, 3, 2, (i) => runOf[i] === runOf[i - 1]);
    expect(p.starts).toEqual([0, 2, 4, 7]);
    expect(p.longestRun).toBe(7);
  });
});
