// Registers the int8 kernels with the runtime (model.ts useInt8). Imported by the host
// code that reads, writes or imports int8 models, and by the int8 bundle's entry
// (entry-int8.ts); the core bundle leaves it out.
import { useInt8 } from './model.js';
import * as quant from './quant.js';

useInt8(quant);
