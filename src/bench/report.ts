// docs/BENCHMARKS.md is shared by several benchmarks: each owns one section, fenced by
// HTML comments, and rewrites only that section, so running one bench keeps the others.
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../build/paths.js';

export const BENCHMARKS_FILE = path.join(ROOT, 'docs/BENCHMARKS.md');

const HEADER = `# Benchmarks

Each section below is written by the command named at its top; rerun that command to
refresh it (the other sections are left as they are).
`;

/** One line naming the command, the machine and the date, for the top of a section. */
export function provenance(command: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const date = new Date().toISOString().slice(0, 10);
  return `Made by \`${command}\` on ${os.cpus().length} × ${cpu}, Node ${process.version}, ${date}.`;
}

/** Replaces (or appends) the section `id` of docs/BENCHMARKS.md with `markdown`. */
export function writeBenchSection(id: string, markdown: string, file = BENCHMARKS_FILE): void {
  const begin = `<!-- begin ${id} -->`;
  const end = `<!-- end ${id} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const from = old.indexOf(begin);
  const to = old.indexOf(end);
  const text =
    from >= 0 && to > from
      ? old.slice(0, from) + block + old.slice(to + end.length)
      : `${old.trimEnd()}\n\n${block}\n`;
  // Written beside the file and renamed, so an interrupted bench leaves the old one whole.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
