// Releases bytes no faster than a UART at `baud` would carry them (10 bits per byte: start,
// 8 data, stop), so transfer times measured against the emulated device mean something.

export class Pacer {
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the wire is next free, in ms (performance.now()). */
  private wireFreeAt = 0;
  private readonly bytesPerMs: number;

  /** `baud` 0 or Infinity: no pacing. */
  constructor(
    baud: number,
    private readonly sink: (bytes: Buffer) => void,
  ) {
    this.bytesPerMs = baud > 0 && Number.isFinite(baud) ? baud / 10 / 1000 : Infinity;
  }

  push(bytes: Buffer): void {
    if (this.bytesPerMs === Infinity) {
      this.sink(bytes);
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.schedule();
  }

  /** Drops everything not yet delivered (the link was cut). */
  clear(): void {
    this.queue = [];
    this.queued = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.queued === 0) return;
    const now = performance.now();
    if (this.wireFreeAt < now) this.wireFreeAt = now;
    // Deliver in slices of about 4 ms of wire time, each when its last byte would arrive.
    const n = Math.max(1, Math.min(this.queued, Math.floor(this.bytesPerMs * 4)));
    this.wireFreeAt += n / this.bytesPerMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.sink(this.take(n));
        this.schedule();
      },
      Math.max(0, this.wireFreeAt - now),
    );
  }

  private take(n: number): Buffer {
    const all = Buffer.concat(this.queue);
    this.queue = all.length > n ? [all.subarray(n)] : [];
    this.queued = all.length - Math.min(n, all.length);
    return all.subarray(0, n);
  }
}
