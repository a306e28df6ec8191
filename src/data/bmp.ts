// Reads an uncompressed 8-bit paletted BMP (as the TFLite Micro test images are) into
// one byte per pixel, rows top to bottom, as PIL's Image.tobytes() gives them.

export interface BmpImage {
  width: number;
  height: number;
  /** Palette indices, row-major from the top row. */
  pixels: Uint8Array;
}

export function readBmp8(bytes: Uint8Array, file = 'image.bmp'): BmpImage {
  const fail = (at: number, problem: string): never => {
    throw new Error(`mote: ${file} at byte ${at}: ${problem}`);
  };
  if (bytes.length < 54) fail(0, `${bytes.length} bytes is too short for a BMP header`);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail(0, 'not a BMP file (no "BM" signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataAt = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (bpp !== 8 || compression !== 0) fail(28, `only uncompressed 8-bit BMPs are read, this is ${bpp}-bit`);
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1 || width > 4096 || height > 4096) fail(18, `bad size ${width}x${height}`);
  const stride = Math.ceil(width / 4) * 4;
  if (dataAt + stride * height > bytes.length) fail(dataAt, 'pixel data runs past the end of the file');
  const pixels = new Uint8Array(width * height);
  // Positive height: rows are stored bottom-up.
  for (let y = 0; y < height; y++) {
    const row = dataAt + (rawHeight > 0 ? height - 1 - y : y) * stride;
    pixels.set(bytes.subarray(row, row + width), y * width);
  }
  return { width, height, pixels };
}
