// The host's device form, imported alone: it must register the op kernels it reads with
// (a device bundle holds only its model's), and give the same bytes for the same model.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceForm } from '../../src/format/device-form.js';
import { ROOT } from '../../src/build/paths.js';

describe('deviceForm on its own', () => {
  it('reads a committed model without any other import registering the ops', () => {
    const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-5/lenet-5.mote')));
    const form = deviceForm(bytes);
    expect(form).not.toBeNull();
    // 'MOTD', then the model's CRC-32 (its last four bytes).
    expect(Buffer.from(form!.subarray(0, 4)).toString('latin1')).toBe('MOTD');
    expect(Buffer.from(form!.subarray(4, 8)).equals(Buffer.from(bytes.subarray(bytes.length - 4)))).toBe(
      true,
    );
    expect(Buffer.from(deviceForm(bytes)!).equals(Buffer.from(form!))).toBe(true);
  });
});
