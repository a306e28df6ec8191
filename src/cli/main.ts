// The `mote` command: parses arguments, dispatches, and maps failures to exit codes
// (1: the model or the input is bad; 2: the command line is).
import { inspectCommand, inspectHelp } from './inspect.js';
import { runCommand, runHelp } from './run.js';
import { compileCommand, compileHelp } from './compile.js';
import { compressHelp } from './compress-help.js';
import { distillHelp } from './distill-help.js';
import { trainHelp } from './train-help.js';
import { exitsCommand, exitsHelp } from './exits.js';
import { evalCommand, evalHelp } from './eval.js';
import { demoCommand, demoHelp } from './demo.js';
import { targetsCommand, targetsHelp } from './targets.js';
import { fitCommand, fitHelp, targetArg } from './fit.js';
import { emulateCommand, emulateHelp } from './emulate.js';
import { bundleCommand, bundleHelp } from './bundle.js';
// The device commands are imported when they run: they load serialport and QuickJS.
import { devicesHelp, emulateDeviceHelp, flashHelp, profileHelp } from './bridge-help.js';
import { recordHelp } from './record-help.js';
import { need, numberFlag, UsageError } from './usage.js';
import { OPTIONAL, withPackages } from '../optional.js';
import { isCommand, parseCommand, type Command, type Flags } from './flags.js';
import { maxMacsFlag } from './max-macs.js';
import { ENGINE_CHOICES, type EngineChoice } from '../wasm/engine.js';
import { isPlan, PLANS } from '../emulate/common.js';
import type { ExecutionPlan } from '../../targets/target.js';

/** --engine: auto (WebAssembly when this host has it), js or wasm. */
function engineFlag(text: string | undefined): EngineChoice {
  if (text === undefined) return 'auto';
  if (!(ENGINE_CHOICES as string[]).includes(text))
    throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got '${text}'`);
  return text as EngineChoice;
}

/** --plan for commands that run a model here or on a device: stream (default), cache, install. */
function planFlag(text: string | undefined): ExecutionPlan {
  if (text === undefined) return 'stream';
  if (!isPlan(text)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}, got '${text}'`);
  return text;
}

const HELP = `mote: compile, compress and run neural networks on JavaScript microcontrollers

usage: mote <command> [options]   (mote <command> --help for details)

  demo       compile the bundled digits model, run it in the emulated default target
  compile    import and compress a model into a .mote file
  compress   compress with training in the loop (prune, cluster, quantize, low-rank) by a recipe
  distill    train a small student from a teacher's softened outputs (knowledge distillation)
  train      train a small classifier on your own data (CSV, .npy, .npz, IDX) into a .mote
  exits      accuracy, mean MACs and time of a model's early exits vs running to the end;
             exits add: train exit heads for any model and calibrate their thresholds
  inspect    show a .mote file's tensors, encodings, sizes and compression ratio
  bundle     write the runtime for one model alone (only the kernels it uses), ES5, minified
  run        run a .mote on inputs from a JSON file
  eval       accuracy, confusion matrix and exit use of a .mote on a bundled data set or your own file
  targets    list the boards and engines mote knows, with their budgets
  fit        check a .mote against a target's flash, RAM and time (Bangle.js: on its firmware; Kaluma: on JerryScript)
  emulate    run a .mote in a target's emulator (Bangle.js: its firmware), with a per-layer profile
  devices    list serial ports where a board or a watch bridge could be
  flash      install the runtime and a .mote on a device over a serial port, atomically
  profile    per-layer time and memory of the installed model, measured on the device
  emulate-device  an emulated Espruino device on a pseudo-terminal (prints its port)
  record     labelled accelerometer windows from a watch or board (or the firmware emulator) into a CSV

options: --help, --version, --json (machine-readable output)`;

const VERSION = '0.1.0';

const COMMANDS: Record<Command, string> = {
  demo: demoHelp,
  compile: compileHelp,
  compress: compressHelp,
  distill: distillHelp,
  train: trainHelp,
  exits: exitsHelp,
  inspect: inspectHelp,
  bundle: bundleHelp,
  run: runHelp,
  eval: evalHelp,
  targets: targetsHelp,
  fit: fitHelp,
  emulate: emulateHelp,
  devices: devicesHelp,
  flash: flashHelp,
  profile: profileHelp,
  'emulate-device': emulateDeviceHelp,
  record: recordHelp,
};

interface Outcome {
  code: number;
  out: string;
  err: string;
}

export async function main(argv: string[]): Promise<Outcome> {
  try {
    const r = await dispatch(argv);
    return typeof r === 'string' ? { code: 0, out: r, err: '' } : r;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const help = argv[0] !== undefined && isCommand(argv[0]) ? `mote ${argv[0]} --help` : 'mote --help';
      return { code: 2, out: '', err: `mote: ${message}\n(run '${help}' for usage)` };
    }
    if ((e as { code?: string }).code === 'ENOENT') return { code: 1, out: '', err: `mote: ${message}` };
    return { code: 1, out: '', err: message.startsWith('mote') ? message : `mote: ${message}` };
  }
}

/** A command's output, or an outcome for commands that can fail without an error (fit). */
type Result = string | Outcome | Promise<string | Outcome>;
/** `sub`: a subcommand word before the file (only `mote exits add`). */
type Handler<C extends Command> = (f: Flags<C> & { sub?: string }, file: string | undefined) => Result;

/** Commands that take no file argument: a stray one is a usage error. */
const NO_FILE: Command[] = ['targets', 'devices', 'distill', 'emulate-device', 'demo', 'train', 'record'];

async function dispatch(argv: string[]): Promise<string | Outcome> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h') return HELP;
  if (command === '--version') return VERSION;
  if (command.startsWith('-'))
    throw new UsageError(`options go after the command: mote <command> ${command}`);
  if (!isCommand(command)) throw new UsageError(`unknown command '${command}'`);
  return runCommandLine(command, args);
}

async function runCommandLine<C extends Command>(command: C, args: string[]): Promise<string | Outcome> {
  const { flags, positionals } = parseCommand(command, args);
  if (flags.help) return COMMANDS[command];
  // `mote exits add MODEL`: the one command with a subcommand word; its model comes next.
  const sub = command === 'exits' && positionals[0] === 'add' ? positionals.shift() : undefined;
  const [file, ...rest] = positionals;
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (file !== undefined && NO_FILE.includes(command))
    throw new UsageError(`${command} takes no file argument`);
  const handler: Handler<C> = HANDLERS[command];
  return handler(sub === undefined ? flags : { ...flags, sub }, file);
}

const HANDLERS: { [C in Command]: Handler<C> } = {
  bundle: (f, file) =>
    bundleCommand(
      need(file, 'bundle needs a .mote file'),
      need(f.output, 'bundle needs -o <app.js>'),
      f.target === undefined ? undefined : targetArg(f.target),
      !!f.embed,
      !!f.json,
      maxMacsFlag(f['max-macs']),
    ),
  inspect: (f, file) => inspectCommand(need(file, 'inspect needs a .mote file'), !!f.json),
  run: async (f, file) => {
    // With --port the model is the one installed on the device.
    if (f.port !== undefined) {
      if (file) throw new UsageError('run --port runs the installed model; flash a file first');
      const { runPortCommand } = await import('./run-port.js');
      return runPortCommand(
        need(f.input, 'run needs --input <file.json>'),
        { ...f, port: f.port },
        planFlag(f.plan),
        !!f.json,
      );
    }
    for (const name of ['target', 'baud', 'timeout'] as const)
      if (f[name] !== undefined) throw new UsageError(`run --${name} needs --port`);
    return runCommand(
      need(file, 'run needs a .mote file'),
      need(f.input, 'run needs --input <file.json>'),
      planFlag(f.plan),
      !!f.json,
      engineFlag(f.engine),
      maxMacsFlag(f['max-macs']),
    );
  },
  compress: async (f, file) => {
    // Loaded on demand: it brings in TensorFlow.js (optional: a light install has none).
    const { compressCommand } = await withPackages(
      OPTIONAL.tfjs,
      'mote compress',
      () => import('./compress.js'),
    );
    return compressCommand(
      need(file, 'compress needs a model file'),
      need(f.output, 'compress needs -o <out.mote>'),
      f,
      !!f.json,
    );
  },
  distill: async (f) => {
    // Loaded on demand: it brings in TensorFlow.js (optional: a light install has none).
    const { distillCommand } = await withPackages(
      OPTIONAL.tfjs,
      'mote distill',
      () => import('./distill.js'),
    );
    return distillCommand(
      {
        teacher: need(f.teacher, 'distill needs --teacher <model>'),
        student: need(f.student, 'distill needs --student <784-32-10 | model>'),
        temperature: numberFlag('T', f.T, 1e-3, 1e3) ?? 4,
        alpha: numberFlag('alpha', f.alpha, 0, 1) ?? 0.7,
        epochs: numberFlag('epochs', f.epochs, 1, 1000) ?? 10,
        compare: !!f.compare,
        output: f.output,
      },
      !!f.json,
    );
  },
  exits: async (f, file) => {
    // `mote exits add MODEL ...` adds heads (it trains: TensorFlow.js); `mote exits MODEL` measures them.
    if (f.sub === 'add') {
      if (f.limit !== undefined) throw new UsageError(`--limit is for 'mote exits MODEL', not 'exits add'`);
      const { exitsAddCommand } = await withPackages(
        OPTIONAL.tfjs,
        'mote exits add',
        () => import('./exits-add.js'),
      );
      return exitsAddCommand(need(file, 'exits add needs a model file'), f, !!f.json);
    }
    const addOnly = [
      'output',
      'data',
      'data-labels',
      'label',
      'features',
      'window',
      'stride',
      'group',
    ] as const;
    for (const name of [...addOnly, 'max-loss', 'after', 'epochs'] as const)
      if (f[name] !== undefined) throw new UsageError(`--${name} is for 'mote exits add'`);
    return exitsCommand(
      need(file, 'exits needs a .mote file'),
      f.dataset ?? 'digits-test',
      !!f.json,
      maxMacsFlag(f['max-macs']),
      numberFlag('limit', f.limit, 1, 1e9),
    );
  },
  compile: (f, file) =>
    compileCommand(
      need(file, 'compile needs a model file'),
      need(f.output, 'compile needs -o <out.mote>'),
      f,
      !!f.json,
    ),
  eval: (f, file) =>
    evalCommand(need(file, 'eval needs a .mote file'), {
      dataset: f.dataset,
      data: f,
      limit: numberFlag('limit', f.limit, 1, 1e9),
      plan: planFlag(f.plan),
      json: !!f.json,
      engine: engineFlag(f.engine),
      maxMacs: maxMacsFlag(f['max-macs']),
    }),
  train: async (f) => {
    // Loaded on demand: it brings in TensorFlow.js (optional: a light install has none).
    const { trainCommand } = await withPackages(OPTIONAL.tfjs, 'mote train', () => import('./train.js'));
    return trainCommand(f, !!f.json);
  },
  targets: (f) => targetsCommand(!!f.json),
  fit: async (f, file) => {
    // The target's default plan applies unless --plan is given.
    const r = await fitCommand(need(file, 'fit needs a .mote file'), f.target, f.plan, !!f.json, {
      runs: numberFlag('runs', f.runs, 1, 100),
      maxMacs: maxMacsFlag(f['max-macs']),
      budget: {
        maxMs: numberFlag('max-ms', f['max-ms'], 0, 1e12),
        maxVars: numberFlag('max-vars', f['max-vars'], 0, 1e12),
        maxBytes: numberFlag('max-bytes', f['max-bytes'], 0, 1e15),
        maxHeap: numberFlag('max-heap', f['max-heap'], 0, 1e15),
      },
    });
    return { code: r.ok ? 0 : 1, out: r.out, err: r.ok ? '' : `mote: ${r.summary}` };
  },
  devices: async (f) => (await import('./devices.js')).devicesCommand(!!f.json),
  flash: async (f, file) =>
    (await import('./flash.js')).flashCommand(
      need(file, 'flash needs a .mote file'),
      { ...f, port: need(f.port, 'flash needs --port <path>') },
      !!f.json,
      maxMacsFlag(f['max-macs']),
    ),
  profile: async (f, file) => {
    if (file) throw new UsageError('profile runs the installed model; flash a file first');
    return (await import('./profile.js')).profileCommand(
      need(f.inputs ?? f.input, 'profile needs --inputs <file.json>'),
      { ...f, port: need(f.port, 'profile needs --port <path>') },
      planFlag(f.plan),
      !!f.json,
    );
  },
  'emulate-device': async (f) => (await import('./emulate-device.js')).emulateDeviceCommand(f),
  // Loaded when it runs: it brings in serialport and the firmware.
  record: async (f) => (await import('./record.js')).recordCommand(f, !!f.json),
  emulate: (f, file) =>
    emulateCommand(need(file, 'emulate needs a .mote file'), f.target, f.input, f.plan, !!f.json, {
      runs: numberFlag('runs', f.runs, 1, 100),
      maxMacs: maxMacsFlag(f['max-macs']),
    }),
  demo: (f) => demoCommand({ target: f.target, outDir: f['out-dir'], json: !!f.json }),
};
