// Bundles src/runtime into the one minified ES5 file that ships to devices and runs
// in every emulator: `npm run build:runtime` → dist/mote-runtime.min.js.
import { build } from 'esbuild';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './paths.js';

/**
 * The runtime as one ES5 script defining the global `mote` (and `module.exports`
 * where a CommonJS loader, such as Espruino's require, provides one). `int8`: the
 * variant with int8 kernels, for int8 models (dist/mote-runtime-int8.min.js).
 * esbuild's es5 target rejects let/const, arrow functions and classes outright, which
 * is the first guard on the runtime staying ES5.
 */
export async function bundleRuntime(minify = true, int8 = false): Promise<string> {
  const result = await build({
    // The int8 bundle adds the int8 kernels (src/runtime/int8-support.ts) to the core.
    entryPoints: [path.join(ROOT, int8 ? 'src/runtime/entry-int8.ts' : 'src/runtime/entry.ts')],
    bundle: true,
    format: 'iife',
    target: 'es5',
    minify,
    write: false,
    legalComments: 'none',
    // Espruino's Storage module, reached outside the bundled code: esbuild rewrites any
    // `require` inside it (src/runtime/flash.ts reads __moteStorage).
    banner: {
      js:
        'var mote=(function(){var __mote={},' +
        '__moteStorage=typeof require=="function"?function(){return require("Storage")}:null;',
    },
    footer: { js: 'return __mote;})();if(typeof module!=="undefined"&&module.exports)module.exports=mote;' },
  });
  return result.outputFiles[0].text;
}

export function sizeReport(source: string): { bytes: number; gzipBytes: number } {
  const b = Buffer.from(source);
  return { bytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length };
}
