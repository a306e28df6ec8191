// Runs the runtime bundle in Duktape 2.7 (strict ES5.1) as a child process: the check that
// the shipped runtime really parses and runs on an ES5 engine. The engine is Duktape's own
// command line tool compiled to WebAssembly (./duktape/duk.cjs, rebuilt by ./duktape/build.sh;
// see duktape/SOURCE.md), run by this Node, so nothing needs installing. `dukPath` runs a
// native `duk` instead (Debian's, say), for comparing the two.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../src/build/paths.js';
import { EngineError, EnginePlan, EngineRun, harnessProgram, parseHarnessOutputs } from './harness.js';

const ENGINE = 'Duktape';

/** Duktape 2.7.0's `duk`, compiled to wasm: `node duk.cjs file.js`. */
export const DUK_WASM = path.join(ROOT, 'targets/engines/duktape/duk.cjs');

export interface DuktapeOptions {
  /** Kill the engine after this long. Default 10 s. */
  timeoutMs?: number;
  plan?: EnginePlan;
  /** Passed to mote.load as `memoryLimit`. */
  modelMemoryLimit?: number;
  /** Passes over the inputs, for timing. Default 1. */
  repeat?: number;
  /** Report the runtime's per-op profile (EngineRun.profile). */
  profile?: boolean;
  /** ES5 source evaluated before the bundle (HarnessOptions.globals). */
  globals?: string;
  /** A native `duk` executable to run instead of the bundled wasm build. */
  dukPath?: string;
}

export async function runInDuktape(
  bundleSource: string,
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: DuktapeOptions = {},
): Promise<EngineRun> {
  const program = harnessProgram(bundleSource, model, inputs, opts);
  const stdout = await runDukProgram(program, opts.timeoutMs ?? 10_000, opts.dukPath);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return { engine: ENGINE, ...parseHarnessOutputs(ENGINE, lines) };
}

/** Runs one ES5 program in Duktape and returns what it printed (`print` writes a line). */
export async function runDukProgram(program: string, timeoutMs: number, dukPath?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mote-duk-'));
  try {
    await writeFile(path.join(dir, 'run.js'), program);
    // The wasm `duk` sees the host's files through the working directory it mounts
    // (duk_cmdline.c under emscripten): the script is given relative to it.
    const [file, args] = dukPath ? [dukPath, ['run.js']] : [process.execPath, [DUK_WASM, 'run.js']];
    return await run(file, args, dir, timeoutMs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (e.code === 'ENOENT') {
          reject(new EngineError(ENGINE, `${ENGINE}: '${file}' not found`));
        } else if (e.killed || e.signal === 'SIGKILL') {
          reject(
            new EngineError(ENGINE, `${ENGINE}: timed out after ${timeoutMs} ms (the script hung or looped)`),
          );
        } else {
          // An uncaught error (a syntax error in the bundle, say): duk prints it to stderr.
          const msg = (stderr || stdout).trim().split('\n').slice(0, 5).join('\n');
          reject(new EngineError(ENGINE, `${ENGINE}: ${msg || `exited with code ${String(e.code)}`}`));
        }
      },
    );
  });
}
