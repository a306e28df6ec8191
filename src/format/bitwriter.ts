// An MSB-first bit stream writer for packed symbol streams (fixed-width and Huffman).
// Bits fill each byte from its most significant bit; the last byte is zero-padded.
export class BitWriter {
  private buf = new Uint8Array(64);
  private length = 0;
  /** Pending bits not yet flushed to `buf` (fewer than 8), right-aligned. */
  private acc = 0;
  private accBits = 0;

  write(value: number, nbits: number): void {
    if (!Number.isInteger(nbits) || nbits < 0 || nbits > 24)
      throw new Error(`BitWriter: nbits ${nbits} not in 0..24`);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** nbits) {
      throw new Error(`BitWriter: value ${value} does not fit in ${nbits} bits`);
    }
    // At most 7 pending bits + 24 new bits: 31 bits, so the sign bit stays clear.
    const acc = (this.acc << nbits) | value;
    let bits = this.accBits + nbits;
    while (bits >= 8) {
      bits -= 8;
      this.push((acc >>> bits) & 0xff);
    }
    this.acc = acc & ((1 << bits) - 1);
    this.accBits = bits;
  }

  /** The bytes written so far, with the last partial byte padded with zero bits. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length + (this.accBits > 0 ? 1 : 0));
    out.set(this.buf.subarray(0, this.length));
    if (this.accBits > 0) out[this.length] = (this.acc << (8 - this.accBits)) & 0xff;
    return out;
  }

  private push(byte: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = byte;
  }
}
