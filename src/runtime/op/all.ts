// Every op kernel: the generic runtime bundle and host code (reader, writer, validator)
// import this; a per-model bundle (mote bundle) imports only the ops its model uses.
import './dense.js';
import './relu.js';
import './softmax.js';
import './reshape.js';
import './conv2d.js';
import './maxpool.js';
import './avgpool.js';
import './globalavgpool.js';
import './add.js';
import './mul.js';
import './concat.js';
import './pad.js';
import './transpose.js';
import './leakyrelu.js';
import './prelu.js';
import './elu.js';
import './selu.js';
import './sigmoid.js';
import './tanh.js';
import './softplus.js';
import './clip.js';
import './logsoftmax.js';
import './reducemean.js';
import './matmul.js';
import './neg.js';
