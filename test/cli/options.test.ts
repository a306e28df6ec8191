// Each command takes only its own options, and every command keeps README's exit codes:
// 0 success, 1 refused input or failed device work, 2 a bad command line.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { COMMAND_FLAGS, type Command } from '../../src/cli/flags.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-options-'));
const mote = path.join(dir, 'digits.mote');
const missing = path.join(dir, 'missing.mote');
const notMote = path.join(dir, 'not.mote');
const input = path.join(dir, 'x.json');
const badInput = path.join(dir, 'bad.json');
const csv = path.join(dir, 'tiny.csv');
const raggedCsv = path.join(dir, 'ragged.csv');
const noPort = path.join(dir, 'no-such-port');
const COMMANDS = Object.keys(COMMAND_FLAGS) as Command[];

beforeAll(async () => {
  const r = await main(['compile', 'models/digits-mlp/model.json', '-o', mote, '--cluster', '3']);
  expect(r.err).toBe('');
  writeFileSync(notMote, 'not a model');
  writeFileSync(input, JSON.stringify(new Array(784).fill(0.5)));
  writeFileSync(badInput, '[1, 2,');
  writeFileSync(
    csv,
    'a,b,label\n' + Array.from({ length: 20 }, (_, i) => `${i % 2},${i},${i % 2 ? 'up' : 'down'}`).join('\n'),
  );
  writeFileSync(raggedCsv, 'a,b,label\n1,2,up\n1,down\n');
});

describe('per-command options', () => {
  it.each(COMMANDS)('%s: its help names every option it takes', async (command) => {
    const help = (await main([command, '--help'])).out;
    for (const name of Object.keys(COMMAND_FLAGS[command]))
      expect(help, `--${name}`).toMatch(name === 'output' ? /-o\b/ : new RegExp(`--${name}\\b`));
  });

  it.each(COMMANDS)('%s: an unknown flag exits 2 naming it and the valid options', async (command) => {
    const r = await main([command, '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${command} does not take '--frobnicate'; its options are .*--json`));
    expect(r.err).toMatch(new RegExp(`mote ${command} --help`));
  });

  it('a flag of another command is refused, not ignored', async () => {
    const foreign: [string[], string][] = [
      [['compile', 'models/digits-mlp/model.json', '-o', path.join(dir, 'y.mote'), '--int4'], '--int4'],
      [['inspect', mote, '--port', '/dev/ttyACM0'], '--port'],
      [['eval', mote, '--input', input], '--input'],
      [['targets', '--dataset', 'digits-test'], '--dataset'],
      [['bundle', mote, '-o', path.join(dir, 'a.js'), '--plan', 'cache'], '--plan'],
    ];
    for (const [argv, flag] of foreign) {
      const r = await main(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain(`does not take '${flag}'`);
    }
    // The refused compile wrote nothing.
    expect((await main(['inspect', path.join(dir, 'y.mote')])).code).toBe(1);
  });

  it('a value missing after an option, or given to a switch, exits 2', async () => {
    expect(await main(['compile', 'm.json', '-o'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--output/),
    });
    expect(await main(['inspect', mote, '--json=yes'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--json/),
    });
  });
});

/** For each command: argv that succeeds (where it is quick), is refused (1), is bad usage (2). */
const TABLE: Record<Command, { ok?: string[]; refused?: string[]; usage: string[] }> = {
  demo: { refused: ['demo', '--out-dir', path.join(notMote, 'sub')], usage: ['demo', 'extra'] },
  compile: {
    ok: ['compile', 'models/digits-mlp/model.json', '-o', path.join(dir, 'c.mote')],
    refused: ['compile', notMote, '-o', path.join(dir, 'c2.mote')],
    usage: ['compile', 'models/digits-mlp/model.json'],
  },
  compress: {
    refused: ['compress', missing, '-o', path.join(dir, 'z.mote'), '--prune', '0.5'],
    usage: ['compress', mote, '-o', path.join(dir, 'z.mote'), '--prune', '2'],
  },
  distill: {
    refused: ['distill', '--teacher', missing, '--student', '784-32-10'],
    usage: ['distill', '--teacher', missing],
  },
  exits: {
    ok: ['exits', 'models/deep-exits/deep-exits.mote', '--limit', '50', '--json'],
    refused: ['exits', notMote],
    usage: ['exits', mote, '--dataset', 'no-such-set'],
  },
  inspect: { ok: ['inspect', mote], refused: ['inspect', missing], usage: ['inspect'] },
  bundle: {
    ok: ['bundle', mote, '-o', path.join(dir, 'app.js')],
    refused: ['bundle', notMote, '-o', path.join(dir, 'app2.js')],
    usage: ['bundle', mote],
  },
  run: {
    ok: ['run', mote, '--input', input],
    refused: ['run', mote, '--input', badInput],
    usage: ['run', mote, '--input', input, '--plan', 'sideways'],
  },
  eval: {
    ok: ['eval', mote, '--limit', '20'],
    refused: ['eval', notMote],
    usage: ['eval', mote, '--limit', '0'],
  },
  train: {
    ok: ['train', '--data', csv, '--epochs', '1', '-o', path.join(dir, 't.mote'), '--json'],
    refused: ['train', '--data', raggedCsv, '-o', path.join(dir, 't2.mote')],
    usage: ['train', '--data', csv, '-o', path.join(dir, 't3.mote'), '--arch', 'dense:8,gelu'],
  },
  targets: { ok: ['targets'], usage: ['targets', mote] },
  fit: { refused: ['fit', notMote], usage: ['fit', mote, '--target', 'toaster'] },
  emulate: {
    ok: ['emulate', mote, '--target', 'node', '--input', input],
    refused: ['emulate', missing],
    usage: ['emulate', mote, '--runs', '0'],
  },
  devices: { ok: ['devices', '--json'], usage: ['devices', mote] },
  flash: { refused: ['flash', mote, '--port', noPort], usage: ['flash', mote] },
  profile: {
    refused: ['profile', '--port', noPort, '--inputs', input],
    usage: ['profile', '--port', noPort],
  },
  'emulate-device': { usage: ['emulate-device', '--baud', 'fast'] },
  record: {
    refused: ['record', '--port', noPort, '--label', 'wave', '-o', path.join(dir, 'rec.csv')],
    usage: ['record', '--device', 'emulator:toaster', '--label', 'wave', '-o', path.join(dir, 'rec.csv')],
  },
};

describe("README's exit codes, command by command", () => {
  it.each(COMMANDS)('%s', async (command) => {
    const { ok, refused, usage } = TABLE[command];
    if (ok) {
      const r = await main(ok);
      expect(r.err, ok.join(' ')).toBe('');
      expect(r.code, ok.join(' ')).toBe(0);
    }
    if (refused) {
      const r = await main(refused);
      expect(r.code, `${refused.join(' ')}: ${r.err}`).toBe(1);
      expect(r.err).toMatch(/^mote: /);
    }
    const r = await main(usage);
    expect(r.code, `${usage.join(' ')}: ${r.err}`).toBe(2);
  });
});
