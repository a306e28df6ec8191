// `npm run build`: the runtime bundle, the library and the CLI into dist/.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { bundleRuntime, sizeReport } from './runtime.js';
import { RUNTIME_BUNDLE } from './paths.js';
import { CLI_BUILD, LIBRARY_BUILD } from './cli-build.js';

const only = process.argv[2];
await mkdir(path.dirname(RUNTIME_BUNDLE), { recursive: true });
const min = await bundleRuntime(true);
await writeFile(RUNTIME_BUNDLE, min);
await writeFile(RUNTIME_BUNDLE.replace('.min.js', '.js'), await bundleRuntime(false));
const size = sizeReport(min);
console.log(
  `runtime: dist/mote-runtime.min.js ${size.bytes} bytes minified, ${size.gzipBytes} bytes gzipped (ES5)`,
);
// The variant with int8 kernels, for int8 models.
const int8 = await bundleRuntime(true, true);
await writeFile(RUNTIME_BUNDLE.replace('.min.js', '-int8.min.js'), int8);
const size8 = sizeReport(int8);
console.log(
  `runtime with int8 kernels: dist/mote-runtime-int8.min.js ${size8.bytes} bytes minified, ${size8.gzipBytes} gzipped`,
);
if (only !== 'runtime') {
  await build(LIBRARY_BUILD);
  await build(CLI_BUILD);
  console.log('library: dist/index.js, cli: dist/cli.js');
}
