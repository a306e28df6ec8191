// Builds train.csv and test.csv from ST's wrist datalogs in raw/ (one tab-separated file
// per activity, accelerometer in mg at 26 Hz): columns recording, activity, ax, ay, az.
// Each recording is split in time: its first 80% of rows train, the last 20% test, so no
// test window overlaps a training window.   Run: npx tsx examples/wrist-activity/make-csv.ts
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ACTIVITIES = ['jogging', 'other', 'walking'];
const TRAIN_FRACTION = 0.8;

const header = 'recording,activity,ax,ay,az';
const train = [header];
const test = [header];
for (const activity of ACTIVITIES) {
  const file = path.join(here, 'raw', `${activity}.txt`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  if (!/^A_X \[mg\]\tA_Y \[mg\]\tA_Z \[mg\]$/.test(lines[0].trim()))
    throw new Error(`${file}: line 1: expected the header A_X [mg], A_Y [mg], A_Z [mg]`);
  const rows = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l, i) => {
      const v = l.trim().split('\t');
      if (v.length !== 3 || v.some((c) => !/^-?\d+$/.test(c)))
        throw new Error(`${file}: line ${i + 2}: expected three whole numbers, got '${l}'`);
      return `${activity}-wrist,${activity},${v.join(',')}`;
    });
  const cut = Math.round(rows.length * TRAIN_FRACTION);
  train.push(...rows.slice(0, cut));
  test.push(...rows.slice(cut));
  console.log(`${activity}: ${rows.length} rows, ${cut} train, ${rows.length - cut} test`);
}
writeFileSync(path.join(here, 'train.csv'), train.join('\n') + '\n');
writeFileSync(path.join(here, 'test.csv'), test.join('\n') + '\n');
