// Fixed-width symbol streams: each symbol in `width` bits (1..8), MSB-first.
import { fail } from './errors.js';
import { readRun, symbolReader } from './symbols.js';

/** Unpacks `count` symbols from bytes[start..end) into out[0..count); returns bytes consumed. */
export function unpackFixed(
  bytes: Uint8Array,
  start: number,
  end: number,
  width: number,
  count: number,
  out: Uint8Array | Uint16Array,
  where: string,
): number {
  if (!(width >= 1 && width <= 8)) fail(where, start, 'width ' + width + ' not in 1..8');
  if (out.length < count) fail(where, start, count + ' symbols do not fit in ' + out.length);
  var size = Math.ceil((count * width) / 8);
  if (start + size > end)
    fail(
      where,
      start,
      count + ' symbols of ' + width + ' bits need ' + size + ' bytes, ' + (end - start) + ' left',
    );
  readRun(symbolReader(bytes, start, end, null, width, where), out, count, null);
  return size;
}
