import { registerBinary } from './binary.js';
import { OP_ADD } from '../ops.js';

registerBinary(OP_ADD, 'add');
