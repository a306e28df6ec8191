import { registerPool } from './pool.js';
import { OP_MAXPOOL } from '../ops.js';

registerPool(OP_MAXPOOL, 'maxpool', false);
