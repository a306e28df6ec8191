import { readFile } from 'node:fs/promises';
import { inspect, type InspectReport } from '../format/inspect.js';
import { kb, table } from './table.js';

export const inspectHelp = `mote inspect <model.mote> [--json]

Shows each op (output shape, MACs, attributes), each tensor's encoding, bits per weight
and bytes, the bytes of each section, and the compression ratio against storing every
weight as float32.`;

export async function inspectCommand(file: string, json: boolean): Promise<string> {
  const report = inspect(await readFile(file));
  return json ? JSON.stringify(report, null, 2) : formatInspect(file, report);
}

export function formatInspect(file: string, r: InspectReport): string {
  const rows = r.tensors.map((t) => [
    t.name,
    t.shape.join('x'),
    t.encoding + (t.codebookSize ? `/${t.codebookSize}` : ''),
    [
      t.indices && `idx ${t.indices.coding} ${t.indices.bitsPerSymbol.toFixed(2)}b`,
      t.gaps && `gaps ${t.gaps.coding} ${t.gaps.bitsPerSymbol.toFixed(2)}b`,
    ]
      .filter(Boolean)
      .join(', ') || '-',
    t.sparsity === undefined ? '-' : `${(t.sparsity * 100).toFixed(1)}%`,
    t.bitsPerWeight.toFixed(2),
    t.bytes,
    `${t.ratio.toFixed(1)}x`,
  ]);
  const sections = Object.entries(r.sections)
    .map(([k, v]) => `${k} ${v} B`)
    .join(', ');
  return [
    `${file}: .mote ${r.version}, ${kb(r.fileBytes)} (${r.fileBytes} bytes); sections: ${sections}`,
    `graph: ${r.inputs.map((i) => `${i.name}[${i.shape.join('x')}]`).join(', ')} → ${r.ops.join(' → ')} → ${r.outputs.join(', ')}; ${r.macs} MACs`,
    '',
    table(
      ['op', 'output', 'shape', 'MACs', 'detail'],
      r.layers.map((l) => [l.op, l.output, l.shape.join('x'), l.macs, l.detail || '-']),
    ),
    '',
    table(
      ['tensor', 'shape', 'encoding', 'streams (bits/symbol)', 'pruned', 'bits/w', 'bytes', 'ratio'],
      rows,
    ),
    '',
    `weights: ${r.weights}, as float32 ${kb(r.float32Bytes)}; file ${kb(r.fileBytes)}; ratio ${r.ratio.toFixed(1)}x against float32`,
  ].join('\n');
}
