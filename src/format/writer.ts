// Serialises an IR graph to .mote bytes (docs/FORMAT.md). The layout constants come
// from the runtime's reader, so writer and reader cannot drift apart.
import type { CodebookEncoding, Encoding, Graph, StreamCoding, Tensor } from '../ir/types.js';
import { ByteWriter } from './bytewriter.js';
import { encodeFixed, encodeHuffman, fixedWidthFor, huffmanCodeLengths, packCodeLengths } from './huffman.js';
import { HEADER_BYTES, MAGIC, VERSION_MAJOR, VERSION_MINOR } from '../runtime/container.js';
import { CODING_FIXED, CODING_HUFFMAN, KIND_INT8_STREAM, KIND_NAMES } from '../runtime/tensors.js';
import { NO_TENSOR } from '../runtime/ops.js';
import { opNamed } from '../runtime/registry.js';
import '../runtime/op/all.js';
import { opInputs } from '../ir/ops.js';
import { attrsOf } from './opattrs.js';
import { crc32 } from '../runtime/crc32.js';
import { validateGraph } from '../ir/validate.js';
import { REQUANT_MODES } from '../runtime/quant.js';
// Host code that makes int8 models can also run them: register the int8 kernels.
import '../runtime/int8-support.js';
import { writeExits } from './exits.js';

/** The QUAN section (docs/FORMAT.md): requantisation mode, then each int8 value's scale and zero point. */
function writeQuant(g: Graph): Uint8Array | null {
  const values = [...g.inputs, ...g.values];
  if (!values.some((v) => v.quant)) return null;
  const w = new ByteWriter();
  w.u8(REQUANT_MODES.indexOf(g.requantize ?? 'fixed-point'));
  w.u16(values.filter((v) => v.quant).length);
  values.forEach((v, i) => {
    if (v.quant) w.u16(i).f32(v.quant.scale).i16(v.quant.zeroPoint);
  });
  return w.finish();
}

export function writeMote(g: Graph): Uint8Array {
  validateGraph(g);
  const meta = new TextEncoder().encode(JSON.stringify(g.metadata));
  const tens = new ByteWriter();
  const data = new ByteWriter();
  tens.u32(g.tensors.length);
  for (const t of g.tensors) {
    data.align4();
    const offset = data.length;
    writeBlob(data, t);
    tens.str(t.name);
    writeShape(tens, t.shape);
    tens
      .u8(
        t.encoding.kind === 'int8' && t.encoding.coding
          ? KIND_INT8_STREAM
          : KIND_NAMES.indexOf(t.encoding.kind),
      )
      .u32(offset)
      .u32(data.length - offset);
  }
  const sections: [string, Uint8Array][] = [
    ['META', meta],
    ['TENS', tens.finish()],
    ['GRPH', writeGraph(g)],
    ['DATA', data.finish()],
  ];
  // Only int8 graphs carry QUAN, so float models stay byte-identical to before.
  const quan = writeQuant(g);
  if (quan) sections.push(['QUAN', quan]);
  // Likewise only models with early-exit heads carry EXIT.
  const exits = writeExits(g);
  if (exits) sections.push(['EXIT', exits]);
  const out = new ByteWriter();
  out.bytes(new TextEncoder().encode(MAGIC)).u8(VERSION_MAJOR).u8(VERSION_MINOR).u16(0);
  const lengthAt = out.length;
  out.u32(0).u16(sections.length).u16(0);
  if (out.length !== HEADER_BYTES) throw new Error('internal: header size');
  for (const [tag, body] of sections) {
    out.bytes(new TextEncoder().encode(tag)).u32(body.length).bytes(body).align4();
  }
  out.patchU32(lengthAt, out.length + 4);
  const bytes = out.finish();
  const file = new Uint8Array(bytes.length + 4);
  file.set(bytes);
  new DataView(file.buffer).setUint32(bytes.length, crc32(bytes, 0, bytes.length), true);
  return file;
}

function writeShape(w: ByteWriter, shape: number[]): void {
  w.u8(shape.length);
  for (const d of shape) w.u32(d);
}

function writeGraph(g: Graph): Uint8Array {
  const w = new ByteWriter();
  const values = [...g.inputs, ...g.values];
  const valueIndex = new Map(values.map((v, i) => [v.name, i]));
  const tensorIndex = new Map(g.tensors.map((t, i) => [t.name, i]));
  w.u16(values.length);
  for (const v of values) {
    w.str(v.name);
    writeShape(w, v.shape);
  }
  w.u16(g.inputs.length);
  for (const v of g.inputs) w.u16(valueIndex.get(v.name)!);
  w.u16(g.outputs.length);
  for (const name of g.outputs) w.u16(valueIndex.get(name)!);
  w.u16(g.ops.length);
  for (const op of g.ops) {
    const k = opNamed(op.op)!;
    const inputs = opInputs(op);
    w.u8(k.code).u8(inputs.length);
    for (const name of inputs) w.u16(valueIndex.get(name)!);
    w.u8(1).u16(valueIndex.get(op.output)!);
    const attrs = attrsOf(op);
    const a = new ByteWriter();
    let t = 0;
    let n = 0;
    for (const kind of k.attrs) {
      if (kind === 'T') {
        const name = attrs.tensors[t++];
        a.u16(name === undefined ? NO_TENSOR : tensorIndex.get(name)!);
      } else if (kind === 'i') a.u16(attrs.nums[n++]);
      else if (kind === 'f') a.f32s(Float32Array.of(attrs.nums[n++]));
      else {
        a.u8(attrs.list.length);
        for (const v of attrs.list) a.u16(v);
      }
    }
    const body = a.finish();
    w.u16(body.length).bytes(body);
  }
  return w.finish();
}

function writeBlob(w: ByteWriter, t: Tensor): void {
  const e: Encoding = t.encoding;
  switch (e.kind) {
    case 'float32':
      w.f32s(e.data);
      return;
    case 'int8':
      w.i16(e.axis).u16(e.scale.length).f32s(e.scale);
      for (const z of e.zeroPoint) w.i8(z);
      // int8-stream: each value's byte is a symbol of a 256-letter stream.
      if (e.coding)
        writeStream(w, new Uint8Array(e.values.buffer, e.values.byteOffset, e.values.length), 256, e.coding);
      else for (const q of e.values) w.i8(q);
      return;
    case 'int32':
      w.i16(e.axis).u16(e.scale.length).f32s(e.scale);
      for (const q of e.values) w.u32(q >>> 0);
      return;
    case 'codebook':
      writeCodebook(w, e);
      return;
    case 'sparse':
      w.u8(e.gapBits).u8(KIND_NAMES.indexOf(e.values.kind)).u32(e.gaps.length);
      writeStream(w, e.gaps, 1 << e.gapBits, e.gapCoding);
      if (e.values.kind === 'float32') w.f32s(e.values.data);
      else writeCodebook(w, e.values);
      return;
    case 'binary': {
      w.f32s(e.scale);
      const bits = new Uint8Array(Math.ceil(e.signs.length / 8));
      e.signs.forEach((s, i) => {
        if (s) bits[i >> 3] |= 0x80 >> (i & 7);
      });
      w.bytes(bits);
      return;
    }
  }
}

function writeCodebook(w: ByteWriter, e: CodebookEncoding): void {
  w.u16(e.codebook.length).f32s(e.codebook);
  writeStream(w, e.indices, e.codebook.length, e.coding);
}

function writeStream(w: ByteWriter, symbols: Uint8Array, alphabet: number, coding: StreamCoding): void {
  let payload: Uint8Array;
  if (coding === 'fixed' || coding === 'byte') {
    // 'byte' is a fixed-width stream of exactly 8 bits per symbol.
    const width = coding === 'byte' ? 8 : fixedWidthFor(alphabet);
    w.u8(CODING_FIXED).u8(width);
    payload = encodeFixed(symbols, width);
  } else {
    const freqs = new Uint32Array(alphabet);
    for (const s of symbols) freqs[s]++;
    // An empty stream still needs a valid code table: give symbol 0 a code.
    if (symbols.length === 0) freqs[0] = 1;
    const lengths = huffmanCodeLengths(freqs);
    w.u8(CODING_HUFFMAN).bytes(packCodeLengths(lengths));
    payload = encodeHuffman(symbols, lengths);
  }
  w.u32(payload.length).bytes(payload);
}

/** A tensor's blob as it is stored in the DATA section (without alignment padding). */
export function encodeBlob(t: Tensor): Uint8Array {
  const w = new ByteWriter();
  writeBlob(w, t);
  return w.finish();
}
