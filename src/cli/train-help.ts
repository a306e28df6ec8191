// \`mote train --help\`, apart from the command so the CLI starts without the trainer.
import { ARCH_PRESETS, ARCH_SYNTAX } from '../train/arch-spec.js';
import { DATA_FLAGS_HELP } from './data-flags.js';

export const trainHelp = `mote train --data FILE [reading options] [--arch mlp|conv1d|conv2d|SPEC] [--epochs N]
           [--val 0.2] [--patience N] [--seed N] -o model.mote [--report report.json] [--json]

Trains a small classifier on your own labelled data: a seeded validation split (--val,
default 0.2), early stopping when the validation loss has not improved for --patience
epochs (default 5; the best epoch's weights are kept), at most --epochs (default 50).
Inputs are normalised by per-feature (per-channel) mean and std of the training split;
they are saved in the model, and the runtime applies them on the device to raw values.
Prints the confusion matrix and per-class accuracy of the validation split, measured
through mote's runtime, and writes them with the training history to --report.
A progress bar with loss, accuracy and ETA goes to stderr when it is a terminal.
The split is over samples: overlapping windows (--stride below --window) put readings of
one moment on both sides, so the validation figure is optimistic; measure a held-out
recording with mote eval --data.

--arch: a preset or a SPEC of layers (${ARCH_SYNTAX}):
  mlp     ${ARCH_PRESETS.mlp}
  conv1d  ${ARCH_PRESETS.conv1d}
  conv2d  ${ARCH_PRESETS.conv2d}
  SPEC    such as dense:64,relu,dense:32,relu or conv1d:8x5,relu,maxpool:2,dense:16
  conv1d:FxK is F filters of K time steps, conv2d:FxK F filters of KxK; a final dense
  layer to the classes and a softmax are added. Default: conv1d for windows, conv2d for
  IDX images, mlp otherwise.

${DATA_FLAGS_HELP}

Exit codes: 0 trained and written; 1 the data file is refused (named with line and column);
2 a usage error.`;
