// `mote train`'s progress bar on stderr: batches done of the most the run can take, the
// running loss, the last epoch's validation loss and accuracy, and an ETA. Only when
// stderr is a terminal and the output is not --json, so logs and pipes stay clean.
import cliProgress from 'cli-progress';
import type { EpochRecord } from '../train/early-stopping.js';

export interface TrainProgress {
  batch(done: number, total: number, loss: number): void;
  epoch(r: EpochRecord): void;
  stop(): void;
}

/** `epochs`: the most the run can take (early stopping may end it sooner: the ETA is a bound). */
export function trainProgress(enabled: boolean, epochs: number): TrainProgress | undefined {
  if (!enabled || !process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format:
        'train [{bar}] {percentage}% | epoch {epoch} | loss {loss} | val loss {valLoss} | val acc {valAcc} | eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    batch(done, total, loss) {
      if (!started) {
        bar.start(total, 0, { epoch: `1/${epochs}`, loss: '-', valLoss: '-', valAcc: '-' });
        started = true;
      }
      bar.update(done, { loss: loss.toFixed(4) });
    },
    epoch(r) {
      bar.update({
        epoch: `${Math.min(r.epoch + 1, epochs)}/${epochs}`,
        valLoss: r.valLoss.toFixed(4),
        valAcc: `${(r.valAccuracy * 100).toFixed(1)}%`,
      });
    },
    stop() {
      bar.stop();
    },
  };
}
