// Builds the example's CSV files from ST's datalogs in raw/ (one tab-separated file per
// activity, accelerometer in mg at 26 Hz, a header line A_X [mg], A_Y [mg], A_Z [mg],
// some with a board name above it): columns recording, activity, ax, ay, az.
// Each recording is split in time: its first 80% of rows train, the last 20% test, so no
// test window overlaps a training window.
//   wrist: jogging, other (stationary), walking: a smartwatch at the wrist
//   gym:   bicep curls, lateral raises, squats, nothing: a wristband on the left wrist
// Run: npx tsx examples/wrist-activity/make-csv.ts
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SETS: Record<string, Record<string, string>> = {
  wrist: { jogging: 'jogging', other: 'other', walking: 'walking' },
  gym: { bipces: 'bicep-curls', lateral: 'lateral-raises', nothing: 'nothing', squats: 'squats' },
};
const TRAIN_FRACTION = 0.8;
const HEADER = /^A_X \[mg\]\s+A_Y \[mg\]\s+A_Z \[mg\]$/;

for (const [set, files] of Object.entries(SETS)) {
  const header = 'recording,activity,ax,ay,az';
  const train = [header];
  const test = [header];
  for (const [name, activity] of Object.entries(files)) {
    const file = path.join(here, 'raw', set, `${name}.txt`);
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    const start = lines.findIndex((l) => HEADER.test(l.trim()));
    if (start < 0) throw new Error(`${file}: no header line A_X [mg], A_Y [mg], A_Z [mg]`);
    const rows: string[] = [];
    lines.forEach((l, i) => {
      if (i <= start || !l.trim()) return;
      const v = l.trim().split(/\s+/);
      if (v.length !== 3 || v.some((c) => !/^-?\d+$/.test(c)))
        throw new Error(`${file}: line ${i + 1}: expected three whole numbers, got '${l}'`);
      rows.push(`${set}-${name},${activity},${v.join(',')}`);
    });
    const cut = Math.round(rows.length * TRAIN_FRACTION);
    train.push(...rows.slice(0, cut));
    test.push(...rows.slice(cut));
    console.log(`${set}/${name} (${activity}): ${rows.length} rows, ${cut} train, ${rows.length - cut} test`);
  }
  const prefix = set === 'wrist' ? '' : `${set}-`;
  writeFileSync(path.join(here, `${prefix}train.csv`), train.join('\n') + '\n');
  writeFileSync(path.join(here, `${prefix}test.csv`), test.join('\n') + '\n');
}
