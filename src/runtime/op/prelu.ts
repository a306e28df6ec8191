import { registerBinary } from './binary.js';
import { OP_PRELU } from '../ops.js';

// x >= 0 ? x : slope * x, the slope tensor broadcast to x.
registerBinary(OP_PRELU, 'prelu');
