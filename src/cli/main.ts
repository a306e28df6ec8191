// The `mote` command: parses arguments, dispatches, and maps failures to exit codes
// (1: the model or the input is bad; 2: the command line is).
import { parseArgs } from 'node:util';
import { inspectCommand, inspectHelp } from './inspect.js';
import { runCommand, runHelp } from './run.js';
import { compileCommand, compileHelp } from './compile.js';
import { compressHelp } from './compress-help.js';
import { distillHelp } from './distill-help.js';
import { exitsCommand, exitsHelp } from './exits.js';
import { evalCommand, evalHelp } from './eval.js';
import { demoCommand, demoHelp } from './demo.js';
import { targetsCommand, targetsHelp } from './targets.js';
import { fitCommand, fitHelp, targetArg } from './fit.js';
import { emulateCommand, emulateHelp } from './emulate.js';
import { bundleCommand, bundleHelp } from './bundle.js';
// The device commands are imported when they run: they load serialport and QuickJS.
import { devicesHelp, emulateDeviceHelp, flashHelp, profileHelp } from './bridge-help.js';
import { need, numberFlag, UsageError } from './usage.js';
import { maxMacsFlag } from './max-macs.js';
import { ENGINE_CHOICES, type EngineChoice } from '../wasm/engine.js';

/** --engine: auto (WebAssembly when this host has it), js or wasm. */
function engineFlag(text: string | undefined): EngineChoice {
  if (text === undefined) return 'auto';
  if (!(ENGINE_CHOICES as string[]).includes(text))
    throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got '${text}'`);
  return text as EngineChoice;
}

const HELP = `mote: compile, compress and run neural networks on JavaScript microcontrollers

usage: mote <command> [options]   (mote <command> --help for details)

  demo       compile the bundled digits model, run it in the emulated default target
  compile    import and compress a model into a .mote file
  compress   compress with training in the loop (prune, cluster, quantize, low-rank) by a recipe
  distill    train a small student from a teacher's softened outputs (knowledge distillation)
  exits      accuracy, mean MACs and time of a model's early exits vs running to the end
  inspect    show a .mote file's tensors, encodings, sizes and compression ratio
  bundle     write the runtime for one model alone (only the kernels it uses), ES5, minified
  run        run a .mote on inputs from a JSON file
  eval       accuracy of a .mote on a bundled data set
  targets    list the boards and engines mote knows, with their budgets
  fit        check a .mote against a target's flash, RAM and time (Bangle.js: on its firmware; Kaluma: on JerryScript)
  emulate    run a .mote in a target's emulator (Bangle.js: its firmware), with a per-layer profile
  devices    list serial ports where a board or a watch bridge could be
  flash      install the runtime and a .mote on a device over a serial port, atomically
  profile    per-layer time and memory of the installed model, measured on the device
  emulate-device  an emulated Espruino device on a pseudo-terminal (prints its port)

options: --help, --version, --json (machine-readable output)`;

const COMMANDS: Record<string, string> = {
  demo: demoHelp,
  compile: compileHelp,
  compress: compressHelp,
  distill: distillHelp,
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
      return { code: 2, out: '', err: `mote: ${message}\n(run 'mote --help' for usage)` };
    }
    if ((e as { code?: string }).code === 'ENOENT') return { code: 1, out: '', err: `mote: ${message}` };
    return { code: 1, out: '', err: message.startsWith('mote') ? message : `mote: ${message}` };
  }
}

/** A command's output, or an outcome for commands that can fail without an error (fit). */
async function dispatch(argv: string[]): Promise<string | Outcome> {
  const { values: f, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      json: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      input: { type: 'string' },
      plan: { type: 'string' },
      engine: { type: 'string' },
      dataset: { type: 'string' },
      limit: { type: 'string' },
      target: { type: 'string' },
      prune: { type: 'string' },
      cluster: { type: 'string' },
      int8: { type: 'boolean' },
      'int8-activations': { type: 'boolean' },
      calibration: { type: 'string' },
      binary: { type: 'boolean' },
      'gap-bits': { type: 'string' },
      fixed: { type: 'boolean' },
      labels: { type: 'string' },
      requantize: { type: 'string' },
      'out-dir': { type: 'string' },
      port: { type: 'string' },
      baud: { type: 'string' },
      timeout: { type: 'string' },
      inputs: { type: 'string' },
      runs: { type: 'string' },
      storage: { type: 'string' },
      recipe: { type: 'string' },
      'prune-steps': { type: 'string' },
      epochs: { type: 'string' },
      int4: { type: 'boolean' },
      data: { type: 'string' },
      'data-labels': { type: 'string' },
      eval: { type: 'string' },
      report: { type: 'string' },
      teacher: { type: 'string' },
      student: { type: 'string' },
      T: { type: 'string' },
      alpha: { type: 'string' },
      compare: { type: 'boolean' },
      embed: { type: 'boolean' },
      'max-macs': { type: 'string' },
    },
  });
  const [command, file, ...rest] = positionals;
  if (f.version) return '0.1.0';
  if (!command) return HELP;
  if (!(command in COMMANDS)) throw new UsageError(`unknown command '${command}'`);
  if (f.help) return COMMANDS[command];
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const json = !!f.json;
  const plan = f.plan ?? 'stream';
  const engine = engineFlag(f.engine);
  const maxMacs = maxMacsFlag(f['max-macs']);
  switch (command) {
    case 'bundle':
      return bundleCommand(
        need(file, 'bundle needs a .mote file'),
        need(f.output, 'bundle needs -o <app.js>'),
        f.target === undefined ? undefined : targetArg(f.target),
        !!f.embed,
        json,
        maxMacs,
      );
    case 'inspect':
      return inspectCommand(need(file, 'inspect needs a .mote file'), json);
    case 'run':
      // With --port the model is the one installed on the device.
      if (f.port !== undefined) {
        if (file) throw new UsageError('run --port runs the installed model; flash a file first');
        const { runPortCommand } = await import('./run-port.js');
        return runPortCommand(
          need(f.input, 'run needs --input <file.json>'),
          { ...f, port: f.port },
          plan,
          json,
        );
      }
      return runCommand(
        need(file, 'run needs a .mote file'),
        need(f.input, 'run needs --input <file.json>'),
        plan,
        json,
        engine,
        maxMacs,
      );
    case 'compress': {
      // Loaded on demand: it brings in TensorFlow.js.
      const { compressCommand } = await import('./compress.js');
      return compressCommand(
        need(file, 'compress needs a model file'),
        need(f.output, 'compress needs -o <out.mote>'),
        f,
        json,
      );
    }
    case 'distill': {
      if (file) throw new UsageError('distill takes --teacher and --student, not a file argument');
      // Loaded on demand: it brings in TensorFlow.js.
      const { distillCommand } = await import('./distill.js');
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
        json,
      );
    }
    case 'exits':
      return exitsCommand(need(file, 'exits needs a .mote file'), f.dataset ?? 'digits-test', json, maxMacs);
    case 'compile':
      return compileCommand(
        need(file, 'compile needs a model file'),
        need(f.output, 'compile needs -o <out.mote>'),
        f,
        json,
      );
    case 'eval':
      return evalCommand(
        need(file, 'eval needs a .mote file'),
        f.dataset ?? 'digits-test',
        numberFlag('limit', f.limit, 1, 1e9),
        plan,
        json,
        engine,
        maxMacs,
      );
    case 'targets':
      if (file) throw new UsageError('targets takes no file argument');
      return targetsCommand(json);
    case 'fit': {
      // The target's default plan applies unless --plan is given.
      const r = await fitCommand(need(file, 'fit needs a .mote file'), f.target, f.plan, json, {
        runs: numberFlag('runs', f.runs, 1, 100),
        maxMacs,
      });
      return { code: r.ok ? 0 : 1, out: r.out, err: r.ok ? '' : `mote: ${r.summary}` };
    }
    case 'devices':
      return (await import('./devices.js')).devicesCommand(json);
    case 'flash':
      return (await import('./flash.js')).flashCommand(
        need(file, 'flash needs a .mote file'),
        { ...f, port: need(f.port, 'flash needs --port <path>') },
        json,
      );
    case 'profile':
      if (file) throw new UsageError('profile runs the installed model; flash a file first');
      return (await import('./profile.js')).profileCommand(
        need(f.inputs ?? f.input, 'profile needs --inputs <file.json>'),
        { ...f, port: need(f.port, 'profile needs --port <path>') },
        plan,
        json,
      );
    case 'emulate-device':
      if (file) throw new UsageError('emulate-device takes no file argument');
      return (await import('./emulate-device.js')).emulateDeviceCommand(f);
    case 'emulate':
      return emulateCommand(need(file, 'emulate needs a .mote file'), f.target, f.input, f.plan, json, {
        runs: numberFlag('runs', f.runs, 1, 100),
        maxMacs,
      });
    default:
      if (file) throw new UsageError(`demo takes no file argument`);
      return demoCommand({ target: f.target, outDir: f['out-dir'], json });
  }
}
