// Runs the runtime bundle in Duktape (Debian's `duk`, strict ES5.1) as a child process:
// the check that the shipped runtime really parses and runs on an ES5 engine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EngineError, EnginePlan, EngineRun, harnessProgram, parseHarnessOutputs } from './harness.js';

const ENGINE = 'Duktape';

export interface DuktapeOptions {
  /** Kill `duk` after this long. Default 10 s. */
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
  /** The `duk` executable. Default: `duk` on the PATH. */
  dukPath?: string;
}

export async function runInDuktape(
  bundleSource: string,
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: DuktapeOptions = {},
): Promise<EngineRun> {
  const program = harnessProgram(bundleSource, model, inputs, opts);
  const dir = await mkdtemp(path.join(tmpdir(), 'mote-duk-'));
  try {
    const file = path.join(dir, 'run.js');
    await writeFile(file, program);
    const stdout = await runDuk(opts.dukPath ?? 'duk', file, opts.timeoutMs ?? 10_000);
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    return { engine: ENGINE, ...parseHarnessOutputs(ENGINE, lines) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runDuk(duk: string, file: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      duk,
      [file],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (e.code === 'ENOENT') {
          reject(
            new EngineError(
              ENGINE,
              `${ENGINE}: '${duk}' not found; install it with 'apt-get install duktape'`,
            ),
          );
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
