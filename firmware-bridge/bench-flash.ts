// `npm run bench:flash`: flash throughput against the emulated Bangle.js 2 at 115200 baud
// (serial traffic paced both ways), through `serialport` on a real pseudo-terminal, for
// the runtime bundle and each example model. Writes its section of docs/BENCHMARKS.md.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { compile } from '../src/compile.js';
import type { CompressOptions } from '../src/compress/pipeline.js';
import { bundleRuntime } from '../src/build/runtime.js';
import { ROOT } from '../src/build/paths.js';
import { provenance, writeBenchSection } from '../src/bench/report.js';
import { getTarget } from '../targets/index.js';
import { startEmulatedDevice } from './emulator/device.js';
import { openSession } from './session.js';
import { flashModel } from './operations.js';

const BAUD = 115200;
const target = getTarget('banglejs2');

interface Example {
  name: string;
  source: string;
  recipe: string;
  options: CompressOptions;
}

const EXAMPLES: Example[] = [
  {
    name: 'digits-mlp',
    source: 'models/digits-mlp/model.json',
    recipe: '3-bit clusters',
    options: { clusterBits: 3 },
  },
  {
    name: 'digits-mlp',
    source: 'models/digits-mlp/model.json',
    recipe: 'prune 0.5, 4-bit clusters, 3-bit gaps',
    options: { prune: 0.5, clusterBits: 4, gapBits: 3 },
  },
  {
    name: 'digits-mlp',
    source: 'models/digits-mlp/model.json',
    recipe: 'int8',
    options: { quantize: 'int8' },
  },
  {
    name: 'lenet-300-100',
    source: 'models/lenet-300-100/model.json',
    recipe: 'prune 0.9, 5-bit clusters, 5-bit gaps',
    options: { prune: 0.9, clusterBits: 5, gapBits: 5 },
  },
];

async function main(): Promise<void> {
  const runtime = await bundleRuntime(true);
  const device = await startEmulatedDevice({ target, baud: BAUD });
  const rows: string[] = [];
  try {
    for (const [i, ex] of EXAMPLES.entries()) {
      if (!existsSync(path.join(ROOT, ex.source))) {
        console.log(`skipping ${ex.name}: ${ex.source} is missing`);
        continue;
      }
      const model = await compile(path.join(ROOT, ex.source), ex.options);
      const s = await openSession(device.port, target, { timeoutMs: 30_000 });
      try {
        // The first flash also sends the runtime: time it apart, from the step that verifies it.
        const t0 = performance.now();
        let runtimeSeconds = 0;
        const r = await flashModel(s, runtime, model, {
          onStep: (m) => {
            if (/^runtime .* verified/.test(m)) runtimeSeconds = (performance.now() - t0) / 1000;
          },
        });
        if (i === 0 && !r.runtimeSkipped) {
          rows.push(
            row('runtime bundle (dist/mote-runtime.min.js)', '', Buffer.byteLength(runtime), runtimeSeconds),
          );
          // The model alone: flash it again with the runtime in place.
          const again = await flashModel(s, runtime, model);
          rows.push(row(ex.name, ex.recipe, model.length, again.seconds));
        } else rows.push(row(ex.name, ex.recipe, model.length, r.seconds));
        console.log(rows[rows.length - 1]);
      } finally {
        await s.close();
      }
    }
  } finally {
    await device.stop();
  }
  const md = [
    '## Flash throughput (firmware bridge, emulated Bangle.js 2)',
    '',
    provenance('npm run bench:flash'),
    '',
    `Flashing through \`serialport\` to the emulated device (\`mote emulate-device\`) on a real`,
    `pseudo-terminal, its serial traffic paced both ways to ${BAUD} baud (10 bits per byte).`,
    'Each row is one atomic flash: base64 chunks of 384 bytes (the Bangle.js 2 transport is',
    'BLE UART), one acknowledged line each, then the device CRC-32 check, the pointer switch',
    'and the clean-up. bytes/s counts file bytes (before base64) over the whole flash. A real',
    "BLE link is slower than 115200 baud; a USB board's CDC port can be faster.",
    '',
    '| file | recipe | bytes | seconds | bytes/s |',
    '|---|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
  writeBenchSection('flash', md);
  console.log(md);
}

function row(name: string, recipe: string, bytes: number, seconds: number): string {
  return `| ${name} | ${recipe || '-'} | ${bytes} | ${seconds.toFixed(2)} | ${Math.round(bytes / seconds)} |`;
}

await main();
