// A growable little-endian byte buffer for building .mote sections.
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  i8(v: number): this {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  i16(v: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
    return this;
  }
  f32(v: number): this {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
    return this;
  }
  f32s(values: ArrayLike<number>): this {
    for (let i = 0; i < values.length; i++) this.f32(values[i]);
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }
  /** A u16-length-prefixed UTF-8 string. */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    if (b.length > 0xffff)
      throw new Error(`string too long for the format (${b.length} bytes): ${s.slice(0, 40)}…`);
    return this.u16(b.length).bytes(b);
  }
  /** Zero bytes up to the next multiple of 4. */
  align4(): this {
    while (this.length % 4) this.u8(0);
    return this;
  }
  /** Overwrites a u32 written earlier (for lengths known only later). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
