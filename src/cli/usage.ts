// Errors the user can fix by changing the command line: exit code 2, with usage shown.
export class UsageError extends Error {}

export function need<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new UsageError(message);
  return value;
}

/** Parses a number flag, naming the flag when the text is not a number in range. */
export function numberFlag(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${text}'`);
  return v;
}
