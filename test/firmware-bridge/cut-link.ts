// A transport that cuts the link after a given number of bytes, in the middle of a line if
// that is where the count ends: the host side of a pulled cable or a dropped radio link.
import { LinkClosedError, type Transport } from '../../firmware-bridge/transport/transport.js';

export interface CutLink extends Transport {
  /** Bytes written since `arm` (or since opening). */
  readonly written: number;
  /** From now on, let `budget` more bytes through, then cut. */
  arm(budget: number): void;
  /** Records `written` at the start of each write whose text matches. */
  mark(pattern: RegExp): number[];
}

export function cutLink(link: Transport): CutLink {
  let budget = Infinity;
  let written = 0;
  const marks: { pattern: RegExp; at: number[] }[] = [];
  return {
    name: link.name,
    get isOpen() {
      return link.isOpen;
    },
    get written() {
      return written;
    },
    arm(n) {
      budget = n;
      written = 0;
    },
    mark(pattern) {
      const at: number[] = [];
      marks.push({ pattern, at });
      return at;
    },
    async write(data) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
      const text = bytes.toString('latin1');
      for (const m of marks) if (m.pattern.test(text)) m.at.push(written);
      if (bytes.length <= budget) {
        budget -= bytes.length;
        written += bytes.length;
        return link.write(bytes);
      }
      const part = bytes.subarray(0, budget);
      written += part.length;
      budget = 0;
      if (part.length) await link.write(part);
      await link.close();
      throw new LinkClosedError(link.name, 'cut by the test');
    },
    onData: (r) => link.onData(r),
    onClose: (l) => link.onClose(l),
    close: () => link.close(),
  };
}
