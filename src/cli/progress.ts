// Training progress bars on stderr (cli-progress), only when stderr is a terminal and the
// output is not --json, so logs and pipes stay clean.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts a bar for a training stage; returns the per-batch callback. */
  start(label: string): (done: number, total: number, loss: number) => void;
  stop(): void;
}

export function progressBars(enabled: boolean): Progress | undefined {
  if (!enabled || !process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label) {
      bar?.stop();
      const b = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(14)} [{bar}] {percentage}% | batch {value}/{total} | loss {loss} | eta {eta}s`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar = b;
      let started = false;
      return (done, total, loss) => {
        if (!started) {
          b.start(total, 0, { loss: '-' });
          started = true;
        }
        b.update(done, { loss: loss.toFixed(4) });
      };
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
