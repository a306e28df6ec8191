// Resending requests that a noisy link garbled: which failures are the link's (and so worth
// sending again), how many times, and how long to wait between attempts. Only requests that
// may run twice (reads, erases, a chunk written at its offset) are resent; which failures
// count as the link's is decided where they are made (espruino/repl.ts, isLinkFault).

/** Attempts per request (the first and up to 5 resends) unless the session says otherwise. */
export const DEFAULT_ATTEMPTS = 6;
/**
 * Of those, at most this many may end in a timeout: waiting costs the whole answer timeout,
 * and a device that stays silent is more often off or hung than behind a noisy line.
 */
export const TIMEOUT_ATTEMPTS = 3;
/** Wait before the first resend; doubled for each further one, at most MAX_BACKOFF_MS. */
export const BACKOFF_MS = 50;
export const MAX_BACKOFF_MS = 1600;

/** The link garbled a request or its answer: the device said so, or the answer's CRC-32 was wrong. */
export class LinkFaultError extends Error {
  constructor(
    port: string,
    what: string,
    problem: string,
    /** The device refused the line (its CRC-32 did not match): nothing ran. */
    readonly refused = false,
  ) {
    super(`mote: ${port}: ${problem} while ${what}`);
    this.name = 'LinkFaultError';
  }
}

/** A request failed on the link every time it was sent. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly port: string,
    readonly what: string,
    readonly attempts: number,
    readonly last: Error,
    note = '',
  ) {
    super(
      `mote: ${port}: ${what} failed on the link ${attempts} times in a row (each resent after a back-off); ` +
        `the last time: ${last.message.replace(/^mote: /, '')}${note}`,
    );
    this.name = 'RetriesExhaustedError';
  }

  /** The same failure with a sentence added (e.g. what the failure left on the device). */
  withNote(note: string): RetriesExhaustedError {
    return new RetriesExhaustedError(this.port, this.what, this.attempts, this.last, note);
  }
}

/** ms to wait before resend number `n` (1 for the first resend). */
export function backoffMs(n: number): number {
  return Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** (n - 1));
}
