// File names that mote writes on devices: its own, from a small alphabet, so a name can be
// put in a JS string literal safely and fits every device's store.

const SAFE = /^[A-Za-z0-9._-]+$/;

export function checkName(name: string, maxLength: number): string {
  if (!SAFE.test(name) || name.length > maxLength)
    throw new Error(
      `mote: bad device file name '${name}' (letters, digits, '.', '_', '-'; at most ${maxLength} characters)`,
    );
  return name;
}
