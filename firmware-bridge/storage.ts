// What flashing needs from a device's file store; Espruino's Storage and Kaluma's file
// system each implement it (espruino/storage.ts, kaluma/storage.ts).

export interface StoredFile {
  size: number;
  /** CRC-32 (IEEE, as src/runtime/crc32.ts) computed on the device. */
  crc: number;
}

export interface DeviceStorage {
  /** Human-readable name of the protocol ('Espruino Storage', 'Kaluma fs'). */
  readonly kind: string;
  /** Longest file name the store accepts. */
  readonly maxNameLength: number;
  /** Names of the stored files whose name starts with `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Size and device-side CRC-32 of a file, or null when it does not exist. */
  check(name: string): Promise<StoredFile | null>;
  /** Writes a whole file in chunks that fit the device's input line; reports bytes sent. */
  write(name: string, bytes: Uint8Array, onProgress?: (sent: number) => void): Promise<void>;
  /** Reads a small file back (pointer records), or null when it does not exist. */
  read(name: string): Promise<Uint8Array | null>;
  erase(name: string): Promise<void>;
}
