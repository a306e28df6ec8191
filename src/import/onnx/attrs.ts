// Typed access to a node's attributes, with ONNX's defaults.
import type { Attribute, NodeProto } from './decode.js';

export interface Attrs {
  int(name: string, def: number): number;
  ints(name: string, def: number[]): number[];
  float(name: string, def: number): number;
  string(name: string, def: string): string;
  has(name: string): boolean;
  raw(name: string): Attribute | undefined;
}

export function attrsOf(node: NodeProto): Attrs {
  const byName = new Map(node.attribute.map((a) => [a.name, a]));
  return {
    int: (name, def) => {
      const a = byName.get(name);
      return a && a.i !== undefined ? Number(a.i) : def;
    },
    ints: (name, def) => {
      const a = byName.get(name);
      return a && a.ints.length ? a.ints.map(Number) : def;
    },
    float: (name, def) => {
      const a = byName.get(name);
      return a && a.f !== undefined ? a.f : def;
    },
    string: (name, def) => {
      const a = byName.get(name);
      return a && a.s && a.s.length ? new TextDecoder().decode(a.s) : def;
    },
    has: (name) => byName.has(name),
    raw: (name) => byName.get(name),
  };
}
