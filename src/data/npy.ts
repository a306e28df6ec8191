// Reads NumPy .npy files (format versions 1.0–3.0): little- or big-endian float32/64,
// signed/unsigned 8–32-bit integers and bool, C order. Errors name the file and field.

export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fail = (problem: string): never => {
    throw new Error(`mote: ${file}: ${problem}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('header truncated');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else return fail(`unsupported .npy version ${major}`);
  if (start + headerLen > bytes.length) fail(`header of ${headerLen} bytes runs past the end of the file`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail(`header field 'descr', 'fortran_order' or 'shape' is missing: ${header.trim()}`);
  if (fortran === 'True')
    fail("header field 'fortran_order': Fortran order is not supported (save with C order)");
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length)
    .map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    fail(`header field 'shape': bad shape (${shapeText})`);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr!);
  if (!m) return fail(`header field 'descr': unsupported dtype '${descr}'`);
  const little = m[1] !== '>';
  const kind = m[2];
  const size = Number(m[3]);
  const readers: Record<string, (o: number) => number> = {
    f4: (o) => view.getFloat32(o, little),
    f8: (o) => view.getFloat64(o, little),
    i1: (o) => view.getInt8(o),
    i2: (o) => view.getInt16(o, little),
    i4: (o) => view.getInt32(o, little),
    i8: (o) => Number(view.getBigInt64(o, little)),
    u1: (o) => view.getUint8(o),
    u2: (o) => view.getUint16(o, little),
    u4: (o) => view.getUint32(o, little),
    u8: (o) => Number(view.getBigUint64(o, little)),
    b1: (o) => view.getUint8(o),
  };
  const read = readers[kind + size];
  if (!read) return fail(`header field 'descr': unsupported dtype '${descr}'`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (dataStart + count * size !== bytes.length)
    fail(
      `shape [${shape}] of '${descr}' needs ${count * size} bytes of data at byte ${dataStart}, the file has ${bytes.length - dataStart}`,
    );
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(dataStart + i * size);
  return { shape, data };
}
