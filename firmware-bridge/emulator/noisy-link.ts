// A transport that garbles a given fraction of what the host writes (each write is one
// request line, so one chunk of a file), byte by byte as a bad cable or radio link would:
// one bit flipped at a random place, or a run of bytes dropped. Optionally it garbles
// answers coming back too. Seeded: the same seed garbles the same writes the same way, and
// the answers to the same writes (where in an answer the bit flips depends on how the OS
// splits it into deliveries).
// Used by test/firmware-bridge/links.test.ts and `npm run bench:flash`.
import { mulberry32 } from '../../src/data/prng.js';
import type { Transport } from '../transport/transport.js';

export interface NoisyLinkOptions {
  seed: number;
  /** Fraction of host -> device writes garbled (0..1). Can be changed later. */
  rate?: number;
  /**
   * Fraction of writes whose answer is garbled: the first delivery from the device after such
   * a write gets one bit flipped. Default 0.
   */
  replyRate?: number;
}

export interface NoisyLink extends Transport {
  /** Fraction of writes garbled from now on. */
  rate: number;
  replyRate: number;
  /** Writes since opening, and how many of them were garbled. */
  readonly writes: number;
  readonly garbled: number;
  /** Answers (device -> host deliveries) garbled. */
  readonly repliesGarbled: number;
}

/** Flips one bit, or drops 1-16 bytes, at a place chosen by `rand`. */
export function garble(bytes: Buffer, rand: () => number): Buffer {
  const at = Math.floor(rand() * bytes.length);
  if (bytes.length > 1 && rand() < 0.5) {
    const n = 1 + Math.floor(rand() * Math.min(16, bytes.length - 1));
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + n))]);
  }
  const out = Buffer.from(bytes);
  out[at] ^= 1 << Math.floor(rand() * 8);
  return out;
}

export function noisyLink(link: Transport, opts: NoisyLinkOptions): NoisyLink {
  const rand = mulberry32(opts.seed);
  // Answers get their own generator, drawn once per write (is the answer to this write to be
  // garbled?): how the OS splits answers into deliveries varies from run to run, and must
  // change neither which writes are garbled nor which answers are.
  const replyRand = mulberry32(opts.seed ^ 0x5eed);
  let garbleNextAnswer = false;
  let writes = 0;
  let garbled = 0;
  let repliesGarbled = 0;
  const noisy: NoisyLink = {
    name: link.name,
    rate: opts.rate ?? 0,
    replyRate: opts.replyRate ?? 0,
    get isOpen() {
      return link.isOpen;
    },
    get writes() {
      return writes;
    },
    get garbled() {
      return garbled;
    },
    get repliesGarbled() {
      return repliesGarbled;
    },
    write(data) {
      let bytes: Buffer = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
      writes++;
      garbleNextAnswer = noisy.replyRate > 0 && replyRand() < noisy.replyRate;
      if (bytes.length > 0 && rand() < noisy.rate) {
        garbled++;
        bytes = garble(bytes, rand);
      }
      return link.write(bytes);
    },
    onData(receiver) {
      link.onData((d) => {
        const bytes = Buffer.from(d);
        if (bytes.length > 0 && garbleNextAnswer) {
          garbleNextAnswer = false;
          repliesGarbled++;
          const out = Buffer.from(bytes);
          out[Math.floor(replyRand() * out.length)] ^= 1 << Math.floor(replyRand() * 8);
          return receiver(out);
        }
        receiver(bytes);
      });
    },
    onClose: (l) => link.onClose(l),
    close: () => link.close(),
  };
  return noisy;
}
