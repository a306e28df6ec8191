// Progress bars: drawn on stderr when it is a terminal, never under --json or into a pipe.
// The terminal is a real pseudo-terminal (util-linux `script`), the command a quick one:
// `mote record` from the firmware emulator.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { progressBar, progressBars } from '../../src/cli/progress.js';
import { ROOT } from '../../src/build/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-progress-'));
const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
const cli = path.join(ROOT, 'src/cli/bin.ts');
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI with stdout and stderr on a pseudo-terminal; returns all it printed. */
function onTerminal(args: string[]): string {
  const command = [tsx, cli, ...args].map((a) => `'${a}'`).join(' ');
  return execFileSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8' });
}

const record = (csv: string) => [
  'record',
  '--device',
  'emulator:banglejs2',
  '--label',
  'wave',
  '--window',
  '5',
  '--count',
  '2',
  '-o',
  path.join(dir, csv),
];

describe('progress bars', () => {
  it.skipIf(!hasScript)('a terminal gets a bar with counts and ETA; --json gets none', () => {
    const shown = onTerminal(record('a.csv'));
    expect(shown).toMatch(/recording wave +\[.*\] 100% \| 2\/2 windows \| eta \d+s/);
    const quiet = onTerminal([...record('b.csv'), '--json']);
    expect(quiet).not.toMatch(/recording wave|eta/);
    expect(quiet).toMatch(/"windows": 2/);
  });

  it('a pipe gets no bar', () => {
    const r = spawnSync(tsx, [cli, ...record('c.csv')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('the module: nothing when disabled or not a terminal, a bar on a terminal stream', () => {
    const tty = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 100,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    }) as unknown as NodeJS.WriteStream;
    const pipe = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    expect(progressBar('x', { enabled: false, stream: tty })).toBeUndefined();
    expect(progressBar('x', { enabled: true, stream: pipe })).toBeUndefined();
    expect(progressBars(true, pipe)).toBeUndefined();
    let text = '';
    (tty as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()));
    const p = progressBars(true, tty)!;
    const step = p.start('training');
    step(1, 4, 0.5);
    step(4, 4, 0.25);
    p.stop();
    expect(text).toMatch(/training +\[.*\] 100% \| 4\/4 batches \| loss 0\.2500 \| eta/);
  });
});
