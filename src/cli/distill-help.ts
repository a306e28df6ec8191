// Help for `mote distill`, apart from the command so --help doesn't load TensorFlow.js.
export const distillHelp = `mote distill --teacher <model> --student <784-32-10 | model> [--T 4] [--alpha 0.7] [--epochs 10] [--compare] [-o student.mote] [--json]

Trains the student on the 8,000 training digits with the distillation loss
  alpha · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − alpha) · cross-entropy(labels)
and reports its accuracy on the 2,000 test digits, run by mote's runtime. The teacher is any
model mote loads (TF.js model.json, .mote, .tflite): TF.js runs it when its ops are
trainable, else the runtime does. The student is layer sizes (a dense ReLU net ending in
softmax, seeded) or a model to start from. --compare also trains the same student on
the labels alone (same data, epochs and seed). -o writes the distilled student atomically.`;
