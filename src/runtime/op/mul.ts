import { registerBinary } from './binary.js';
import { OP_MUL } from '../ops.js';

registerBinary(OP_MUL, 'mul');
