// Writes .npy files (version 1.0, little-endian, C order) for loader and CLI tests.
export function npyBytes(
  data: ArrayLike<number>,
  shape: number[],
  descr: '<f4' | '<f8' | '|u1' | '<i4' = '<f4',
): Uint8Array {
  const size = { '<f4': 4, '<f8': 8, '|u1': 1, '<i4': 4 }[descr];
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) {
    if (descr === '<f4') view.setFloat32(i * 4, data[i], true);
    else if (descr === '<f8') view.setFloat64(i * 8, data[i], true);
    else if (descr === '<i4') view.setInt32(i * 4, data[i], true);
    else view.setUint8(i, data[i]);
  }
  return out;
}
