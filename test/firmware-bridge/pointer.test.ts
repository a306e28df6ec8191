// The pointer record that makes a flash atomic: a torn or altered record must never be
// taken for a valid one, whatever byte the damage hits.
import { describe, expect, it } from 'vitest';
import { decodePointer, encodePointer, slotFor, type Pointer } from '../../firmware-bridge/flash/pointer.js';

const p: Pointer = {
  seq: 7,
  runtime: { name: 'mote.r0badf00d', size: 39796, crc: 0x0badf00d },
  model: { name: 'mote.m7', size: 17044, crc: 0x2144df1c },
  target: 'banglejs2',
};

describe('pointer record', () => {
  it('round-trips, and alternates slots so the current record is never overwritten', () => {
    expect(decodePointer(encodePointer(p))).toEqual(p);
    expect(slotFor(7)).not.toBe(slotFor(8));
  });

  it('rejects every truncation and every single-byte change', () => {
    const bytes = encodePointer(p);
    for (let n = 0; n < bytes.length; n++) expect(decodePointer(bytes.subarray(0, n))).toBeNull();
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x20;
      expect(decodePointer(bad)).toBeNull();
    }
  });
});
