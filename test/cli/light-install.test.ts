// A light install: compiling, inspecting, running, flashing, emulating and fitting load
// none of the optional packages (TensorFlow.js, onnxruntime, mnist), and a command that
// needs one names exactly what to install.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HEAVY_PACKAGES, heavyImports } from '../../src/build/heavy-imports.js';
import { MissingPackageError, needPackages, OPTIONAL } from '../../src/optional.js';
import { ROOT } from '../../src/build/paths.js';
import { CLI_BUILD, LIBRARY_BUILD } from '../../src/build/cli-build.js';
import { build } from 'esbuild';

/** The packages an output file of `npm run build` imports at its top (loaded when it loads). */
async function builtImports(options: typeof CLI_BUILD, entry: string): Promise<string[]> {
  const r = await build({ ...options, write: false, metafile: true, logLevel: 'silent' });
  const out = Object.entries(r.metafile.outputs).find(([name]) => name.endsWith(entry));
  if (!out) throw new Error(`no ${entry} among ${Object.keys(r.metafile.outputs).join(', ')}`);
  return out[1].imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path);
}

/** Commands that must work without the optional packages: their modules and all they load on demand. */
const LIGHT = [
  'compile',
  'inspect',
  'bundle',
  'run',
  'run-port',
  'fit',
  'emulate',
  'targets',
  'devices',
  'flash',
  'profile',
  'emulate-device',
  'record',
];

describe('light install', () => {
  it('starting the CLI imports no optional package', async () => {
    expect(await heavyImports('src/cli/bin.ts')).toEqual([]);
    expect(await heavyImports('src/index.ts')).toEqual([]);
  });

  it('the built CLI and library (npm run build) import none at their top', async () => {
    const cli = await builtImports(CLI_BUILD, 'dist/cli.js');
    expect(cli).toContain('node:fs/promises');
    for (const name of HEAVY_PACKAGES) expect(cli, name).not.toContain(name);
    const lib = await builtImports(LIBRARY_BUILD, 'dist/index.js');
    for (const name of HEAVY_PACKAGES) expect(lib, name).not.toContain(name);
  });

  it.each(LIGHT)('mote %s loads no optional package, even on demand', async (command) => {
    expect(await heavyImports(`src/cli/${command}.ts`, true)).toEqual([]);
  });

  it('the training commands do reach TensorFlow.js (the check would see it)', async () => {
    const found = await heavyImports('src/cli/compress.ts', true);
    expect(found.map((f) => f.pkg)).toContain('@tensorflow/tfjs');
    expect(found[0].chain[0]).toBe('src/cli/compress.ts');
  });

  it('a missing package is named with the command to install it', () => {
    const none = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => needPackages(OPTIONAL.tfjs, 'mote compress', none)).toThrow(
      'mote: mote compress needs @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm, not installed (an optional dependency of mote); ' +
        'install it with: npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
    );
    expect(() => needPackages(OPTIONAL.tfjs, 'x', none)).toThrow(MissingPackageError);
    // Installed here (the repository installs everything): no error.
    expect(() => needPackages([...OPTIONAL.tfjs, ...OPTIONAL.mnist], 'x')).not.toThrow();
  });

  it('package.json: the optional packages are optional peers, installed only in the repository', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const name of HEAVY_PACKAGES) expect(pkg.dependencies[name], name).toBeUndefined();
    for (const name of [...OPTIONAL.tfjs, ...OPTIONAL.mnist, ...OPTIONAL.onnxruntime]) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(pkg.devDependencies[name], name).toBeDefined();
    }
  });
});
