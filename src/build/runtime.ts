// Bundles src/runtime into the one minified ES5 file that ships to devices and runs
// in every emulator: `npm run build:runtime` → dist/mote-runtime.min.js.
import { buildSync } from 'esbuild';
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
  // The int8 bundle adds the int8 kernels (src/runtime/int8-support.ts) to the core.
  return bundleEntry(
    { file: path.join(ROOT, int8 ? 'src/runtime/entry-int8.ts' : 'src/runtime/entry.ts') },
    minify,
    // Every part is in: the feature checks fold away.
    { MOTE_NO_FLASH: 'false', MOTE_NO_EXITS: 'false' },
  );
}

/**
 * Bundles one entry of the runtime (a file, or generated source resolved in src/runtime)
 * into the ES5 script that defines `mote`. `define`: compile-time constants that drop
 * what a bundle does not need (MOTE_NO_FLASH: Espruino's Storage path).
 */
export function bundleEntry(
  entry: { file: string } | { source: string },
  minify: boolean,
  define: { [name: string]: string },
): string {
  const result = buildSync({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: {
            contents: entry.source,
            resolveDir: path.join(ROOT, 'src/runtime'),
            sourcefile: 'model-entry.ts',
            loader: 'ts' as const,
          },
        }),
    bundle: true,
    format: 'iife',
    target: 'es5',
    minify,
    write: false,
    define,
    legalComments: 'none',
    // Internal field names, shortened in the bundle (every byte is parsed on the watch):
    // none of them is ever read or written from outside the runtime.
    mangleProps: INTERNAL_FIELDS,
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

/** Fields of the runtime's internal records (readers, rows, kernels, plans), never public. */
const INTERNAL_FIELDS = new RegExp(
  '^(' +
    [
      'where',
      'pos',
      'entryAt',
      'gaps',
      'floats',
      'codebook',
      'packed',
      'rowBytes',
      'rowLength',
      'chunkGaps',
      'chunkValues',
      'patchIdx',
      'patchSize',
      'patchBlock',
      'qbufs',
      'qplans',
      'readers',
      'convs',
      'needsWeight',
      'wholeRows',
      'inPlace',
      'alias',
      'clampRelu',
      'variant',
      'streams',
      'attrs',
      'lut',
      'symbol',
      'viewed',
      'lazyFloats',
      'gathered',
      'strides',
      'icg',
      'kh',
      'kw',
    ].join('|') +
    ')$',
);

export function sizeReport(source: string): { bytes: number; gzipBytes: number } {
  const b = Buffer.from(source);
  return { bytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length };
}
