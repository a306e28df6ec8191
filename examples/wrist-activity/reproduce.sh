#!/bin/sh
# Rebuilds the figures of examples/wrist-activity/README.md: CSV -> mote train -> mote eval
# on the held-out test split -> mote compress -> mote fit for the Bangle.js 2 -> mote bundle.
# Run from the repository root: sh examples/wrist-activity/reproduce.sh [out-dir]
set -e
out=${1:-.tmp/wrist-activity}
mkdir -p "$out"
mote="npx tsx src/cli/bin.ts"
data=examples/wrist-activity

npx tsx $data/make-csv.ts

# wrist: jogging / other / walking, 2 s windows every 0.5 s.
read="--label activity --group recording --window 52 --stride 13"
$mote train --data $data/train.csv $read --arch mlp --seed 1 -o "$out/wrist.mote" --report "$out/wrist-report.json"
$mote eval "$out/wrist.mote" --data $data/test.csv $read
$mote compress "$out/wrist.mote" -o "$out/wrist-c4.mote" --cluster 4 --data $data/train.csv $read
$mote eval "$out/wrist-c4.mote" --data $data/test.csv $read
$mote fit "$out/wrist.mote" --target banglejs2
$mote fit "$out/wrist-c4.mote" --target banglejs2
$mote bundle "$out/wrist-c4.mote" --target banglejs2 -o "$out/mote-wrist.js"
$mote train --data $data/train.csv $read --arch conv1d --seed 1 -o "$out/wrist-conv1d.mote"
$mote eval "$out/wrist-conv1d.mote" --data $data/test.csv $read

# gym: bicep curls / lateral raises / squats / nothing, 3 s windows every 0.5 s.
read="--label activity --group recording --window 78 --stride 13"
for arch in mlp conv1d; do
  $mote train --data $data/gym-train.csv $read --arch $arch --seed 1 -o "$out/gym-$arch.mote"
  $mote eval "$out/gym-$arch.mote" --data $data/gym-test.csv $read
done
