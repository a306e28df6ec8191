// The installed form of a model (execution plan 'install'): every Huffman or narrow
// fixed-width stream rewritten as one byte per symbol. Decoding happens once, here, at
// install time; the device keeps this form in flash and, at every inference, reads each
// weight's symbol with one byte load (src/runtime/symbols.ts readRun's fast path) instead
// of walking Huffman codes. Values are unchanged, so outputs are bit-identical.
import type { Encoding, StreamCoding } from '../ir/types.js';
import { readMote } from './reader.js';
import { writeMote } from './writer.js';

/** Reads a .mote and writes it again with every symbol stream as 'byte' (CRC recomputed). */
export function installForm(bytes: Uint8Array): Uint8Array {
  const g = readMote(bytes);
  return writeMote({ ...g, tensors: g.tensors.map((t) => ({ ...t, encoding: installed(t.encoding) })) });
}

/** An encoding with its symbol streams in the installed (byte) coding. */
export function installed(e: Encoding): Encoding {
  switch (e.kind) {
    case 'codebook':
      return { ...e, coding: BYTE };
    case 'sparse':
      return { ...e, gapCoding: BYTE, values: installed(e.values) as typeof e.values };
    default:
      return e;
  }
}

const BYTE: StreamCoding = 'byte';
