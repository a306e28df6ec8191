// The recording's CSV: one labelled window a row, so a file is a labelled data set as it
// stands: `label,session,x0,y0,z0,x1,y1,z1,...` (channel-major within each sample). The
// header is written once, when the file is new or empty; a file whose header differs (a
// different window or channels) is refused rather than mixed.
import { appendFile, readFile } from 'node:fs/promises';

/** The header for `window` samples of `channels` channels (x, y, z; or a0, a1, ... for more). */
export function csvHeader(window: number, channels: number): string {
  const names = channels === 3 ? ['x', 'y', 'z'] : Array.from({ length: channels }, (_, c) => `a${c}`);
  const cols = ['label', 'session'];
  for (let i = 0; i < window; i++) for (const n of names) cols.push(`${n}${i}`);
  return cols.join(',');
}

/** A label or session as a CSV cell: letters, digits, '-', '_', '.' (no quoting needed). */
export function checkName(what: string, text: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(text))
    throw new Error(`${what} '${text}' must be 1-64 letters, digits, '-', '_' or '.'`);
  return text;
}

/** Makes sure `file` starts with `header` (writing it to a new or empty file); throws otherwise. */
export async function prepareCsv(file: string, header: string): Promise<'new' | 'appending'> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  if (text.trim() === '') {
    await appendFile(file, header + '\n');
    return 'new';
  }
  const first = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).trim();
  if (first !== header) {
    const cols = first.split(',').length;
    throw new Error(
      `mote: ${file}: its header has ${cols} columns, not the ${header.split(',').length} of this recording ` +
        `(label, session, then window × channels); record to another file or use the same --window`,
    );
  }
  if (!text.endsWith('\n')) await appendFile(file, '\n');
  return 'appending';
}

/** Appends one window (values already in the source's units). */
export async function appendWindow(
  file: string,
  label: string,
  session: string,
  values: number[],
): Promise<void> {
  await appendFile(file, `${label},${session},${values.map((v) => String(+v.toFixed(4))).join(',')}\n`);
}
