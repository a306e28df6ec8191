// The int8 bundle's entry (dist/mote-runtime-int8.min.js): the core runtime plus the
// int8 kernels, for int8 models (imported int8 TFLite models).
import './entry.js';
import './int8-support.js';
