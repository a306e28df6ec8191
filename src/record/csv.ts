// The recording's CSV: one reading a row, `label,session,x,y,z`, a window's readings on
// consecutive rows, so the data readers take it as a time series as it stands
// (`--data f.csv --label label --window N --group session`: windows never cross a change
// of label or session). The header is written once, when the file is new or empty; a
// file whose header differs (other channels) is refused rather than mixed.
import { appendFile, readFile } from 'node:fs/promises';

/** The header for readings of `channels` channels (x, y, z; or a0, a1, ... otherwise). */
export function csvHeader(channels: number): string {
  const names = channels === 3 ? ['x', 'y', 'z'] : Array.from({ length: channels }, (_, c) => `a${c}`);
  return ['label', 'session', ...names].join(',');
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
      `mote: ${file}: its header is '${first.slice(0, 60)}' (${cols} columns), not this recording's '${header}'; ` +
        `record to another file`,
    );
  }
  if (!text.endsWith('\n')) await appendFile(file, '\n');
  return 'appending';
}

/** Appends one window (sample-major values, in the source's units): a row per reading. */
export async function appendWindow(
  file: string,
  label: string,
  session: string,
  values: number[],
  channels: number,
): Promise<void> {
  const rows: string[] = [];
  for (let i = 0; i < values.length; i += channels)
    rows.push(
      `${label},${session},${values
        .slice(i, i + channels)
        .map((v) => String(+v.toFixed(4)))
        .join(',')}`,
    );
  await appendFile(file, rows.join('\n') + '\n');
}
