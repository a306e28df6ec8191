import { registerPool } from './pool.js';
import { OP_AVGPOOL } from '../ops.js';

registerPool(OP_AVGPOOL, 'avgpool', true);
