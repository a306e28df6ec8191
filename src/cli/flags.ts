// The options each command takes, declared per command: a flag that belongs to another
// command (or to none) is a usage error naming the flag and the command's valid options,
// never silently ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.js';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

const text = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** Every command takes these. */
const COMMON = { help: { type: 'boolean', short: 'h' }, json: flag } as const;
const OUTPUT = { output: { type: 'string', short: 'o' } } as const;
const PORT = { port: text, target: text, baud: text, timeout: text } as const;
const ENCODE = { 'gap-bits': text, fixed: flag } as const;
/** Reading a user's data file (src/cli/data-flags.ts). */
const DATA = {
  data: text,
  'data-labels': text,
  label: text,
  features: text,
  window: text,
  stride: text,
  group: text,
} as const;
/** The work bound of commands that load a model (cli/max-macs.ts). */
const WORK = { 'max-macs': text } as const;

export const COMMAND_FLAGS = {
  demo: { target: text, 'out-dir': text },
  compile: {
    ...OUTPUT,
    ...ENCODE,
    prune: text,
    cluster: text,
    int8: flag,
    binary: flag,
    labels: text,
    requantize: text,
  },
  compress: {
    ...OUTPUT,
    ...ENCODE,
    recipe: text,
    prune: text,
    'prune-steps': text,
    epochs: text,
    cluster: text,
    int8: flag,
    'int8-activations': flag,
    calibration: text,
    int4: flag,
    binary: flag,
    dataset: text,
    ...DATA,
    eval: text,
    report: text,
  },
  distill: { ...OUTPUT, teacher: text, student: text, T: text, alpha: text, epochs: text, compare: flag },
  exits: {
    ...WORK,
    limit: text,
    ...OUTPUT,
    dataset: text,
    ...DATA,
    'max-loss': text,
    after: text,
    epochs: text,
  },
  inspect: {},
  bundle: { ...OUTPUT, ...WORK, target: text, embed: flag },
  run: { ...PORT, ...WORK, input: text, plan: text, engine: text },
  eval: { ...WORK, dataset: text, ...DATA, limit: text, plan: text, engine: text },
  train: {
    ...OUTPUT,
    ...DATA,
    arch: text,
    epochs: text,
    val: text,
    patience: text,
    seed: text,
    report: text,
  },
  targets: {},
  fit: {
    ...WORK,
    target: text,
    plan: text,
    runs: text,
    'max-ms': text,
    'max-vars': text,
    'max-bytes': text,
    'max-heap': text,
  },
  emulate: { ...WORK, target: text, input: text, plan: text, runs: text },
  devices: {},
  flash: { ...PORT, ...WORK },
  profile: { ...PORT, inputs: text, input: text, runs: text, plan: text },
  'emulate-device': { target: text, baud: text, storage: text },
  record: {
    ...OUTPUT,
    ...PORT,
    device: text,
    label: text,
    window: text,
    rate: text,
    count: text,
    session: text,
    source: text,
  },
} as const;

export type Command = keyof typeof COMMAND_FLAGS;

type Values<O> = { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };

/** The parsed flags of command C, typed by its declaration. */
export type Flags<C extends Command> = Values<(typeof COMMAND_FLAGS)[C] & typeof COMMON>;

export function isCommand(name: string): name is Command {
  return Object.prototype.hasOwnProperty.call(COMMAND_FLAGS, name);
}

/** The command's options as its usage error lists them: `-o/--output, --prune, ...`. */
export function optionList(command: Command): string {
  const options: ParseArgsOptionsConfig = { ...COMMAND_FLAGS[command], ...COMMON };
  return Object.entries(options)
    .map(([name, o]) => (o.short ? `-${o.short}/--${name}` : `--${name}`))
    .join(', ');
}

/** Parses a command's arguments strictly: flags and positionals. */
export function parseCommand<C extends Command>(
  command: C,
  args: string[],
): { flags: Flags<C>; positionals: string[] } {
  const options: ParseArgsOptionsConfig = { ...COMMAND_FLAGS[command], ...COMMON };
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    // Strict parsing yields only the declared options, strings or booleans by their type.
    return { flags: values as Flags<C>, positionals };
  } catch (e) {
    throw usageFromParseError(command, e);
  }
}

/** Node's parse errors, restated with the command and what it does take. */
function usageFromParseError(command: Command, e: unknown): unknown {
  const code = (e as { code?: string }).code;
  if (!code?.startsWith('ERR_PARSE_ARGS')) return e;
  const message = (e as Error).message;
  const named = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named !== undefined)
    return new UsageError(`${command} does not take '${named}'; its options are ${optionList(command)}`);
  // A value missing after a string option, or given to a boolean one.
  return new UsageError(`${command}: ${message.split('. ')[0]}`);
}
