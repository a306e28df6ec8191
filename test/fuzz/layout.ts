// Where every field of a valid .mote sits, so structure-aware mutators can aim at one
// kind of field (a header field, a dimension, an op attribute, a Huffman length table,
// an exit threshold, a float that feeds the arithmetic) instead of at random bytes.
// Parsed once per corpus file, with the runtime's own reader for the parts it exposes.
import { readContainer, type Sections } from '../../src/runtime/container.js';
import {
  CODING_FIXED,
  CODING_HUFFMAN,
  KIND_BINARY,
  KIND_CODEBOOK,
  KIND_FLOAT32,
  KIND_INT32,
  KIND_INT8,
  KIND_INT8_STREAM,
  KIND_SPARSE,
  readTensors,
  type Stream,
} from '../../src/runtime/tensors.js';
import { OPS } from '../../src/runtime/registry.js';
import '../../src/runtime/op/all.js';

/** A field: its offset, width in bytes, and how it is stored. */
export interface Field {
  at: number;
  type: 'u8' | 'u16' | 'i16' | 'u32' | 'f32';
  what: string;
}

export interface Layout {
  sections: Sections;
  /** Header fields (version, flags, length, section count, reserved). */
  header: Field[];
  /** Tensor ranks and dimensions (TENS) and value ranks and dimensions (GRPH). */
  dims: Field[];
  /** Encoding bytes, blob offsets and lengths, and blob parameters (axis, channels, k, gap bits, entries). */
  encoding: Field[];
  /** Stream headers: coding byte, fixed width, payload length. */
  streams: Field[];
  /** Huffman code-length tables: [first byte, byte count]. */
  huffman: [number, number][];
  /** Op attributes (ints, tensor indices, list entries, input/output indices). */
  attrs: Field[];
  /** Exit heads' fields (value, start, end, criterion). */
  exits: Field[];
  /** Every float32 that reaches the arithmetic: weights, codebooks, scales, op floats, exit thresholds, QUAN scales. */
  floats: Field[];
}

/** Absolute offset of a stream's header (its coding byte). */
export function streamHeaderAt(s: Stream): number {
  return s.start - 4 - (s.coding === CODING_FIXED ? 2 : 1 + ((s.alphabet + 1) >> 1));
}

function f32Run(out: Field[], at: number, n: number, what: string): void {
  for (let i = 0; i < n; i++) out.push({ at: at + 4 * i, type: 'f32', what: `${what}[${i}]` });
}

function streamFields(l: Layout, s: Stream, what: string): void {
  const at = streamHeaderAt(s);
  l.streams.push({ at, type: 'u8', what: `${what} coding` });
  if (s.coding === CODING_HUFFMAN) l.huffman.push([at + 1, (s.alphabet + 1) >> 1]);
  else l.streams.push({ at: at + 1, type: 'u8', what: `${what} width` });
  l.streams.push({ at: s.start - 4, type: 'u32', what: `${what} length` });
}

export function layout(bytes: Uint8Array): Layout {
  const s = readContainer(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const l: Layout = {
    sections: s,
    header: [
      { at: 4, type: 'u8', what: 'major version' },
      { at: 5, type: 'u8', what: 'minor version' },
      { at: 6, type: 'u16', what: 'flags' },
      { at: 8, type: 'u32', what: 'file length' },
      { at: 12, type: 'u16', what: 'section count' },
      { at: 14, type: 'u16', what: 'reserved' },
    ],
    dims: [],
    encoding: [],
    streams: [],
    huffman: [],
    attrs: [],
    exits: [],
    floats: [],
  };
  for (const tag of Object.keys(s.start))
    l.header.push({ at: s.start[tag] - 4, type: 'u32', what: `${tag} length` });

  // TENS descriptors, then each blob's parameters and floats.
  let p = s.start.TENS + 4;
  const tensors = readTensors(bytes, s);
  for (const t of tensors) {
    p += 2 + view.getUint16(p, true);
    l.dims.push({ at: p, type: 'u8', what: `${t.name} rank` });
    p++;
    for (let d = 0; d < t.shape.length; d++, p += 4)
      l.dims.push({ at: p, type: 'u32', what: `${t.name} dim ${d}` });
    l.encoding.push(
      { at: p, type: 'u8', what: `${t.name} encoding` },
      { at: p + 1, type: 'u32', what: `${t.name} offset` },
      { at: p + 5, type: 'u32', what: `${t.name} length` },
    );
    p += 9;
    const b = t.start;
    const name = t.name;
    if (t.kind === KIND_FLOAT32) f32Run(l.floats, b, t.size, `${name} value`);
    else if (t.kind === KIND_INT8 || t.kind === KIND_INT32 || t.kind === KIND_INT8_STREAM) {
      l.encoding.push(
        { at: b, type: 'i16', what: `${name} axis` },
        { at: b + 2, type: 'u16', what: `${name} channels` },
      );
      f32Run(l.floats, b + 4, t.scale!.length, `${name} scale`);
      if (t.index) streamFields(l, t.index, `${name} values`);
    } else if (t.kind === KIND_CODEBOOK) {
      l.encoding.push({ at: b, type: 'u16', what: `${name} codebook size` });
      f32Run(l.floats, b + 2, t.floats!.length, `${name} codebook`);
      streamFields(l, t.index!, `${name} indices`);
    } else if (t.kind === KIND_SPARSE) {
      l.encoding.push(
        { at: b, type: 'u8', what: `${name} gap bits` },
        { at: b + 1, type: 'u8', what: `${name} value encoding` },
        { at: b + 2, type: 'u32', what: `${name} entries` },
      );
      streamFields(l, t.gaps!, `${name} gaps`);
      if (t.index) {
        l.encoding.push({ at: t.gaps!.end, type: 'u16', what: `${name} codebook size` });
        f32Run(l.floats, t.gaps!.end + 2, t.floats!.length, `${name} codebook`);
        streamFields(l, t.index, `${name} indices`);
      } else f32Run(l.floats, t.gaps!.end, t.floats!.length, `${name} value`);
    } else if (t.kind === KIND_BINARY) f32Run(l.floats, b, t.scale!.length, `${name} scale`);
  }

  // GRPH: value shapes, then each op's inputs, outputs and attributes.
  p = s.start.GRPH;
  const nv = view.getUint16(p, true);
  p += 2;
  for (let v = 0; v < nv; v++) {
    p += 2 + view.getUint16(p, true);
    const rank = bytes[p];
    l.dims.push({ at: p, type: 'u8', what: `value ${v} rank` });
    p++;
    for (let d = 0; d < rank; d++, p += 4) l.dims.push({ at: p, type: 'u32', what: `value ${v} dim ${d}` });
  }
  for (const list of ['input', 'output']) {
    const n = view.getUint16(p, true);
    l.attrs.push({ at: p, type: 'u16', what: `${list} count` });
    p += 2;
    for (let i = 0; i < n; i++, p += 2) l.attrs.push({ at: p, type: 'u16', what: `graph ${list} ${i}` });
  }
  const no = view.getUint16(p, true);
  p += 2;
  for (let o = 0; o < no; o++) {
    const k = OPS[bytes[p]]!;
    l.attrs.push({ at: p, type: 'u8', what: `op ${o} code` });
    const nIn = bytes[p + 1];
    p += 2;
    for (let i = 0; i < nIn; i++, p += 2) l.attrs.push({ at: p, type: 'u16', what: `op ${o} input ${i}` });
    p++;
    l.attrs.push({ at: p, type: 'u16', what: `op ${o} output` });
    p += 2;
    l.attrs.push({ at: p, type: 'u16', what: `op ${o} attribute length` });
    p += 2;
    for (let j = 0; j < k.attrs.length; j++) {
      const kind = k.attrs.charAt(j);
      const what = `op ${o} (${k.name}) attribute ${j}`;
      if (kind === 'f') {
        l.floats.push({ at: p, type: 'f32', what });
        p += 4;
      } else if (kind === 'L') {
        const n = bytes[p];
        l.attrs.push({ at: p, type: 'u8', what: `${what} count` });
        p++;
        for (let e = 0; e < n; e++, p += 2) l.attrs.push({ at: p, type: 'u16', what: `${what}[${e}]` });
      } else {
        l.attrs.push({ at: p, type: 'u16', what });
        p += 2;
      }
    }
  }

  if (s.start.EXIT !== undefined) {
    p = s.start.EXIT;
    const n = view.getUint16(p, true);
    p += 2;
    for (let e = 0; e < n; e++, p += 11) {
      l.exits.push(
        { at: p, type: 'u16', what: `exit ${e} value` },
        { at: p + 2, type: 'u16', what: `exit ${e} start` },
        { at: p + 4, type: 'u16', what: `exit ${e} end` },
        { at: p + 6, type: 'u8', what: `exit ${e} criterion` },
      );
      l.floats.push({ at: p + 7, type: 'f32', what: `exit ${e} threshold` });
    }
  }
  if (s.start.QUAN !== undefined) {
    p = s.start.QUAN;
    l.attrs.push({ at: p, type: 'u8', what: 'QUAN requantize' });
    const n = view.getUint16(p + 1, true);
    p += 3;
    for (let q = 0; q < n; q++, p += 8) {
      l.attrs.push(
        { at: p, type: 'u16', what: `QUAN ${q} value` },
        { at: p + 6, type: 'i16', what: `QUAN ${q} zero point` },
      );
      l.floats.push({ at: p + 2, type: 'f32', what: `QUAN ${q} scale` });
    }
  }
  return l;
}
