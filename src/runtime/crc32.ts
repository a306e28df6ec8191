// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), table-driven; the table is built on
// first use so loading the runtime costs nothing until a file is checked.
var table: Int32Array | null = null;

function makeTable(): Int32Array {
  var t = new Int32Array(256);
  for (var n = 0; n < 256; n++) {
    var c = n;
    for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** CRC-32 of bytes[start..end), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  var t = table || (table = makeTable());
  var c = -1;
  for (var i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
