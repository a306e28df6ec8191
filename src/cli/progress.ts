// Progress bars with an ETA on stderr (cli-progress), only when stderr is a terminal and the
// output is not --json, so logs and pipes stay clean. Every long step of a command (training,
// calibration, measuring on a firmware, flashing, recording) reports through here.
import cliProgress from 'cli-progress';

export interface BarOptions {
  /** false: no bar (--json). */
  enabled: boolean;
  /** Where to draw; default process.stderr. Drawn only when it is a terminal. */
  stream?: NodeJS.WriteStream;
}

export interface Bar {
  /** `done` of `total` units; `info` is shown after the counts (e.g. "loss 0.1234"). */
  update(done: number, total: number, info?: string): void;
  stop(): void;
}

/** Whether bars are drawn: enabled and the stream is a terminal (its isTTY flag). */
export function drawsBars(opts: BarOptions): boolean {
  return opts.enabled && !!(opts.stream ?? process.stderr).isTTY;
}

/** One bar for one step, e.g. progressBar('calibrating', { enabled: !json }); undefined when quiet. */
export function progressBar(label: string, opts: BarOptions, unit = ''): Bar | undefined {
  if (!drawsBars(opts)) return undefined;
  const stream = opts.stream ?? process.stderr;
  const b = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(14)} [{bar}] {percentage}% | {value}/{total}${unit ? ` ${unit}` : ''} | {info}eta {eta_formatted}`,
      stream,
      hideCursor: true,
      // Redraw on every update (tests and slow links see each step), throttled by fps.
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, info) {
      const payload = { info: info ? `${info} | ` : '' };
      if (!started) {
        b.start(total, 0, payload);
        started = true;
      }
      b.setTotal(total);
      b.update(done, payload);
    },
    stop() {
      if (started) b.stop();
    },
  };
}

export interface Progress {
  /** Starts a bar for a training stage; returns the per-batch callback. */
  start(label: string): (done: number, total: number, loss: number) => void;
  stop(): void;
}

/** Bars for training stages, one after another (compress, distill, exits add). */
export function progressBars(enabled: boolean, stream?: NodeJS.WriteStream): Progress | undefined {
  if (!drawsBars({ enabled, stream })) return undefined;
  let bar: Bar | undefined;
  return {
    start(label) {
      bar?.stop();
      const b = progressBar(label, { enabled, stream }, 'batches')!;
      bar = b;
      return (done, total, loss) => b.update(done, total, `loss ${loss.toFixed(4)}`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
