// The TFLite Micro models (thirdparty/tflite-micro) and how each is fed
// and judged, for the import benchmark and the tests.
import { TFLITE_MICRO_DIR } from '../build/paths.js';
import { readBmp8 } from '../data/bmp.js';

export const TFLITE_DIR = TFLITE_MICRO_DIR;

/**
 * person_detect's input for a test image as upstream builds it: generate_cc_arrays.py
 * writes the BMP's bytes (PIL tobytes(), rows from the top) into an int8 array that the
 * test memcpy()s into the int8 input, so each byte is taken as a two's-complement int8.
 */
export function personDetectInput(bmp: Uint8Array, file = 'image.bmp'): Int8Array {
  const img = readBmp8(bmp, file);
  if (img.width !== 96 || img.height !== 96)
    throw new Error(`mote: ${file}: person_detect needs 96x96, not ${img.width}x${img.height}`);
  return new Int8Array(img.pixels.buffer, img.pixels.byteOffset, img.pixels.length);
}
