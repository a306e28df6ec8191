// The .mote container: header, tagged sections, CRC-32 trailer (docs/FORMAT.md).
import { fail } from './errors.js';
import { crc32 } from './crc32.js';
import { cursor, le32, need, u16, u32 } from './cursor.js';

export var MAGIC = 'MOTE';
export var VERSION_MAJOR = 1;
export var VERSION_MINOR = 0;
export var HEADER_BYTES = 16;
export var SECTION_TAGS = ['META', 'TENS', 'GRPH', 'DATA'];

/** Where each known section's payload lies (absolute offsets). */
export interface Sections {
  versionMinor: number;
  start: { [tag: string]: number };
  end: { [tag: string]: number };
}

/**
 * `crc(start, end)`, when given, computes the CRC-32 of bytes [start, end) instead of
 * the JS loop (a model in flash: E.CRC32 reads it natively, a byte read from JS costs
 * tens of µs there).
 */
export function readContainer(
  bytes: Uint8Array,
  crc?: ((start: number, end: number) => number) | null,
): Sections {
  var c = cursor(bytes, 0, bytes.length, 'header');
  need(c, HEADER_BYTES + 4, 'header and CRC trailer');
  c.pos = 0;
  for (var i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) fail('header', i, 'not a .mote file (magic is not "MOTE")');
  }
  c.pos = 4;
  var major = bytes[4];
  var minor = bytes[5];
  if (major !== VERSION_MAJOR) {
    fail(
      'header',
      4,
      'format version ' +
        major +
        '.' +
        minor +
        ' is not supported (this runtime reads ' +
        VERSION_MAJOR +
        '.x)',
    );
  }
  c.pos = 6;
  var flags = u16(c, 'flags');
  if (flags !== 0) fail('header', 6, 'unknown flags 0x' + flags.toString(16));
  var length = u32(c, 'file length');
  if (length !== bytes.length) {
    fail(
      'header',
      8,
      'file length field says ' +
        length +
        ' bytes but the file has ' +
        bytes.length +
        ' (truncated or padded)',
    );
  }
  var count = u16(c, 'section count');
  c.pos = HEADER_BYTES;
  var stored = le32(bytes, length - 4);
  var actual = crc ? crc(0, length - 4) : crc32(bytes, 0, length - 4);
  if (stored !== actual) {
    fail(
      'trailer',
      length - 4,
      'CRC-32 mismatch (stored ' + hex(stored) + ', computed ' + hex(actual) + '): the file is corrupted',
    );
  }
  var s: Sections = { versionMinor: minor, start: {}, end: {} };
  c.end = length - 4;
  for (var k = 0; k < count; k++) {
    var at = need(c, 4, 'section tag');
    var tag = String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
    var len = u32(c, 'section ' + tag + ' length');
    var body = need(c, len, 'section ' + tag);
    c.pos += (4 - (len % 4)) % 4;
    if (c.pos > c.end) fail('section ' + tag, body, 'padding runs past the end');
    if (s.start[tag] !== undefined) fail('section ' + tag, at, 'appears twice');
    // Unknown sections from newer minor versions are skipped on purpose.
    s.start[tag] = body;
    s.end[tag] = body + len;
  }
  if (c.pos !== c.end) fail('header', c.pos, 'bytes after the last section');
  for (var j = 0; j < SECTION_TAGS.length; j++) {
    if (s.start[SECTION_TAGS[j]] === undefined) fail('header', 12, 'missing section ' + SECTION_TAGS[j]);
  }
  return s;
}

function hex(n: number): string {
  return '0x' + ('0000000' + n.toString(16)).slice(-8);
}
