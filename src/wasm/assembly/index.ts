// The module's exports: every kernel the host glue (src/wasm/accelerator.ts) calls.
export { denseF32, denseI8, denseCsr } from './dense';
export { relu, clip, softmax } from './elementwise';
export { conv2d, depthwise, pool2d } from './conv';
export { convPlanar } from './conv-planar';
export { convI8, depthwiseI8 } from './int8';
export { convPlanarI8 } from './int8-planar';
export { pointwiseI8 } from './int8-pointwise';

/** First free byte after the module's static data (exp's lookup table): the host lays out memory from here. */
export function heapBase(): usize {
  return __heap_base;
}
