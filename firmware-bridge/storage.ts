// What flashing needs from a device's file store; Espruino's Storage and Kaluma's file
// system each implement it (espruino/storage.ts, kaluma/storage.ts).

export interface StoredFile {
  size: number;
  /**
   * CRC-32 (IEEE, as src/runtime/crc32.ts) of the whole file, computed on the device: on
   * Espruino, E.CRC32(require("Storage").read(name)).
   */
  crc: number;
  /**
   * With check(name, tail): the CRC-32 of the file without its last `tail` bytes, computed on
   * the device. For a .mote (tail 4) that is the file's own checksum, the number its trailer
   * stores; the whole file's CRC-32 is then always 2144df1c, the CRC-32 residue.
   */
  bodyCrc?: number;
}

export interface DeviceStorage {
  /** Human-readable name of the protocol ('Espruino Storage', 'Kaluma fs'). */
  readonly kind: string;
  /** Longest file name the store accepts. */
  readonly maxNameLength: number;
  /** Names of the stored files whose name starts with `prefix`. */
  list(prefix: string): Promise<string[]>;
  /**
   * Size and device-side CRC-32 of a file, or null when it does not exist; with `tail` > 0,
   * also the CRC-32 of all but its last `tail` bytes (bodyCrc).
   */
  check(name: string, tail?: number): Promise<StoredFile | null>;
  /** Writes a whole file in chunks that fit the device's input line; reports bytes sent. */
  write(name: string, bytes: Uint8Array, onProgress?: (sent: number) => void): Promise<void>;
  /** Reads a small file back (pointer records), or null when it does not exist. */
  read(name: string): Promise<Uint8Array | null>;
  erase(name: string): Promise<void>;
}
