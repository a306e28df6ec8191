// Kept apart from compress.ts so `mote --help` does not load TensorFlow.js.
export const compressHelp = `mote compress <model.json|model.mote> -o <out.mote> [--recipe r.json | flags] [options]

Compresses a model with training in the loop (TensorFlow.js, WebAssembly backend):
iterative pruning with fine-tuning, k-means weight sharing with centroid fine-tuning,
quantization, low-rank factorisation, structured pruning. Prints a per-stage report:
file size, ratio against float32, runtime accuracy, and per-layer encodings.

  --recipe FILE       the pipeline as JSON (see models/recipes/)
  or flags:
  --prune F           magnitude pruning to sparsity F (0..1) ...
  --prune-steps N     ... in N prune/fine-tune rounds (default 3)
  --epochs N          fine-tuning epochs per round / stage (default 1)
  --cluster B         k-means with 2^B shared values per layer, then centroid fine-tuning
  --int8 | --int4 | --binary   quantize weights (per output channel)
  --int8-activations  full int8 (last stage): int8 weights and activations, ranges
                      calibrated on the training data; runs on the int8 runtime
  --calibration N     samples for those ranges (default 500)
  --gap-bits N        relative-index width (default: the smallest file per tensor)
  --fixed             fixed-width streams instead of Huffman

  --dataset NAME      training data: digits-train (default)
  --data FILE         or your own, read as by mote train: .csv/.tsv, .npy (with
                      --data-labels y.npy), .npz, IDX; CSV options --label, --features,
                      --window, --stride, --group. Labels are matched to the model's
                      class names; a model trained by mote train is fine-tuned on inputs
                      normalised by the statistics it carries
  --eval NAME         held-out data for the per-stage accuracy (default digits-test; 'none')
  --report FILE       also write the report as JSON
  --json              print the report as JSON (no progress bars)`;
