// A delimited text file as a table of cells, each row knowing its line in the file, so
// every later error (a missing value, a text cell, an unknown label) can name file,
// line and column. Comma, tab or semicolon, whichever the first line uses; cells are
// trimmed and may be double-quoted; blank lines are skipped.

export interface CsvTable {
  file: string;
  /** Column names when the first line is a header (no cell of it is a number). */
  header?: string[];
  rows: string[][];
  /** 1-based line in the file of each row. */
  lines: number[];
  width: number;
}

/** `file: line L, column C ('name')`: where an error happened. */
export function cellAt(t: CsvTable, row: number, col: number): string {
  const name = t.header ? ` ('${t.header[col]}')` : '';
  return `${t.file}: line ${t.lines[row]}, column ${col + 1}${name}`;
}

function delimiterOf(line: string): string {
  for (const d of [',', '\t', ';']) if (line.includes(d)) return d;
  return ',';
}

function splitLine(line: string, d: string, file: string, lineNo: number): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    while (line[i] === ' ') i++;
    if (line[i] === '"') {
      // A quoted cell: "" inside stands for one quote.
      let cell = '';
      i++;
      for (;;) {
        if (i >= line.length)
          throw new Error(`mote: ${file}: line ${lineNo}, column ${cells.length + 1}: unclosed quote`);
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else cell += line[i++];
      }
      i++;
      while (line[i] === ' ') i++;
      if (i < line.length && line[i] !== d)
        throw new Error(
          `mote: ${file}: line ${lineNo}, column ${cells.length + 1}: text after a closing quote`,
        );
      cells.push(cell);
      i++;
    } else {
      let end = line.indexOf(d, i);
      if (end < 0) end = line.length;
      cells.push(line.slice(i, end).trim());
      i = end + 1;
    }
  }
  return cells;
}

const isNumber = (c: string) => c !== '' && Number.isFinite(Number(c));

export function parseCsvTable(text: string, file: string): CsvTable {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: string[][] = [];
  const lines: number[] = [];
  let d = '';
  all.forEach((l, i) => {
    if (l.trim() === '') return;
    if (!d) d = delimiterOf(l);
    rows.push(splitLine(l, d, file, i + 1));
    lines.push(i + 1);
  });
  if (rows.length === 0) throw new Error(`mote: ${file}: the file is empty (no rows)`);
  const header = rows[0].every((c) => !isNumber(c)) ? rows[0] : undefined;
  if (header) {
    rows.shift();
    lines.shift();
    if (rows.length === 0)
      throw new Error(`mote: ${file}: the file holds only a header line (${header.join(', ')}), no rows`);
  }
  const width = header ? header.length : rows[0].length;
  const table: CsvTable = { file, header, rows, lines, width };
  rows.forEach((r, i) => {
    if (r.length !== width)
      throw new Error(
        `mote: ${file}: line ${lines[i]} has ${r.length} columns, expected ${width} (as ${header ? 'the header' : 'the first line'})`,
      );
  });
  return table;
}

/**
 * A column by header name or 0-based index (a number given as text); `what` names the
 * option in the error.
 */
export function columnIndex(t: CsvTable, ref: string | number, what: string): number {
  if (typeof ref === 'string' && t.header) {
    const i = t.header.indexOf(ref);
    if (i >= 0) return i;
  }
  const n = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : NaN;
  if (Number.isInteger(n) && n >= 0 && n < t.width) return n;
  const known = t.header ? `columns: ${t.header.join(', ')}` : `${t.width} columns, no header`;
  throw new Error(`mote: ${t.file}: ${what} '${ref}' is not a column name or a 0-based index (${known})`);
}

/** Missing-value spellings, refused with the place they occur. */
export const MISSING = new Set(['', 'na', 'nan', 'null', 'none', '?', '-']);

/** A cell as a number, or an error naming file, line and column. */
export function numberCell(t: CsvTable, row: number, col: number): number {
  const c = t.rows[row][col];
  if (MISSING.has(c.toLowerCase())) throw new Error(`mote: ${cellAt(t, row, col)}: missing value ('${c}')`);
  const v = Number(c);
  if (!Number.isFinite(v)) throw new Error(`mote: ${cellAt(t, row, col)}: '${c}' is not a number`);
  return v;
}
