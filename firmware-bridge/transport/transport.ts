// A byte link to a device, whatever carries it (a serial port today; a WebSocket or a BLE
// stack could be added later). Device protocols only ever see this interface.

export interface Transport {
  /** A name for messages, e.g. the port path. */
  readonly name: string;
  /** Sends bytes; resolves once they have been handed to the OS (drained). */
  write(data: Uint8Array | string): Promise<void>;
  /** Registers the receiver of every byte that arrives; one receiver at a time. */
  onData(receiver: (data: Uint8Array) => void): void;
  /** Called once when the link goes away (closed here or by the other side). */
  onClose(listener: (reason: string) => void): void;
  readonly isOpen: boolean;
  close(): Promise<void>;
}

/** The link was closed (by us, the device, or a cable pulled) while a request was pending. */
export class LinkClosedError extends Error {
  constructor(name: string, reason: string) {
    super(`mote: the link to ${name} closed (${reason})`);
    this.name = 'LinkClosedError';
  }
}
