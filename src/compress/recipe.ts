// Compression recipes: a JSON description of a pipeline (stages in order, training and
// encoding settings), checked field by field so a typo is an error naming the key, its
// place in the file, and the keys allowed there.
import type { QuantMode } from './state.js';
import type { Requantize, StreamCoding } from '../ir/types.js';

export type PerLayer<T> = T | Record<string, T>;

export interface TrainSettings {
  batchSize?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

export type Stage =
  | { kind: 'prune'; sparsity: PerLayer<number>; steps: number; epochs: number; learningRate?: number }
  | { kind: 'cluster'; bits: PerLayer<number>; epochs: number; learningRate?: number }
  | {
      kind: 'quantize';
      mode: PerLayer<QuantMode>;
      perChannel: boolean;
      /** 'int8': the whole graph becomes int8 (src/compress/int8-activations.ts); the last stage. */
      activations?: 'int8';
      /** Training samples whose activation ranges set the int8 quantisation (default 500). */
      calibration?: number;
      requantize?: Requantize;
    }
  | {
      kind: 'lowrank';
      rank?: PerLayer<number>;
      energy?: PerLayer<number>;
      epochs: number;
      learningRate?: number;
    }
  | {
      kind: 'structured';
      keep: PerLayer<number>;
      importance: 'norm' | 'apoz';
      epochs: number;
      learningRate?: number;
    }
  | { kind: 'finetune'; epochs: number; learningRate?: number };

export interface Recipe {
  name: string;
  description?: string;
  train: TrainSettings;
  stages: Stage[];
  encode: { gapBits: number | 'auto'; coding: StreamCoding; biases: 'float32' | 'int8' };
}

type Json = Record<string, unknown>;

class RecipeReader {
  constructor(private source: string) {}
  fail(where: string, problem: string): never {
    throw new Error(`mote: recipe ${this.source}${where ? ` ${where}` : ''}: ${problem}`);
  }
  object(v: unknown, where: string, allowed: string[]): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'must be an object');
    const o = v as Json;
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.fail(where, `unknown key '${k}'${suggest(k, allowed)} (allowed: ${allowed.join(', ')})`);
    return o;
  }
  number(v: unknown, where: string, min: number, max: number, integer = false): number {
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    )
      this.fail(
        where,
        `must be ${integer ? 'a whole number' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`,
      );
    return v as number;
  }
  optNumber(v: unknown, where: string, min: number, max: number, integer = false): number | undefined {
    return v === undefined ? undefined : this.number(v, where, min, max, integer);
  }
  perLayer<T>(v: unknown, where: string, one: (x: unknown, at: string) => T): PerLayer<T> {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = one(x, `${where}.${k}`);
      if (!Object.keys(out).length) this.fail(where, 'names no layer');
      return out;
    }
    return one(v, where);
  }
  choice<T extends string>(v: unknown, where: string, options: readonly T[]): T {
    if (!options.includes(v as T))
      this.fail(where, `must be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }
}

/** "did you mean" for a misspelt key: the allowed key at edit distance ≤ 2. */
function suggest(k: string, allowed: string[]): string {
  const d = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return row[b.length];
  };
  const best = allowed.find((a) => d(k.toLowerCase(), a.toLowerCase()) <= 2);
  return best ? ` (did you mean '${best}'?)` : '';
}

const STAGE_KEYS: Record<Stage['kind'], string[]> = {
  prune: ['sparsity', 'steps', 'epochs', 'learningRate'],
  cluster: ['bits', 'epochs', 'learningRate'],
  quantize: ['mode', 'perChannel', 'activations', 'calibration', 'requantize'],
  lowrank: ['rank', 'energy', 'epochs', 'learningRate'],
  structured: ['keep', 'importance', 'epochs', 'learningRate'],
  finetune: ['epochs', 'learningRate'],
};

/** Checks a parsed recipe; `source` names it in errors. */
export function parseRecipe(json: unknown, source: string): Recipe {
  const r = new RecipeReader(source);
  const top = r.object(json, '', ['name', 'description', 'train', 'stages', 'encode']);
  const name = typeof top.name === 'string' ? top.name : r.fail("field 'name'", 'must be a string');
  if (top.description !== undefined && typeof top.description !== 'string')
    r.fail("field 'description'", 'must be a string');
  const t = r.object(top.train ?? {}, "field 'train'", ['batchSize', 'learningRate', 'l2', 'seed']);
  const train: TrainSettings = {
    batchSize: r.optNumber(t.batchSize, 'train.batchSize', 1, 65536, true),
    learningRate: r.optNumber(t.learningRate, 'train.learningRate', 0, 10),
    l2: r.optNumber(t.l2, 'train.l2', 0, 1),
    seed: r.optNumber(t.seed, 'train.seed', 0, 2 ** 31, true),
  };
  if (!Array.isArray(top.stages) || top.stages.length === 0)
    r.fail("field 'stages'", 'must be a non-empty array');
  const stages = (top.stages as unknown[]).map((s, i): Stage => {
    const at = `stages[${i}]`;
    const wrapper = r.object(s, at, Object.keys(STAGE_KEYS));
    const kinds = Object.keys(wrapper) as Stage['kind'][];
    if (kinds.length !== 1) r.fail(at, `must name exactly one stage (${Object.keys(STAGE_KEYS).join(', ')})`);
    const kind = kinds[0];
    const where = `${at}.${kind}`;
    const o = r.object(wrapper[kind], where, STAGE_KEYS[kind]);
    const epochs = (required = false) =>
      o.epochs === undefined && !required ? 0 : r.number(o.epochs, `${where}.epochs`, 0, 1000, true);
    const learningRate = r.optNumber(o.learningRate, `${where}.learningRate`, 0, 10);
    switch (kind) {
      case 'prune':
        return {
          kind,
          sparsity: r.perLayer(o.sparsity, `${where}.sparsity`, (x, w) => r.number(x, w, 0, 0.9999)),
          steps: o.steps === undefined ? 1 : r.number(o.steps, `${where}.steps`, 1, 100, true),
          epochs: epochs(),
          learningRate,
        };
      case 'cluster':
        return {
          kind,
          bits: r.perLayer(o.bits, `${where}.bits`, (x, w) => r.number(x, w, 1, 8, true)),
          epochs: epochs(),
          learningRate,
        };
      case 'quantize': {
        const mode = r.perLayer(o.mode, `${where}.mode`, (x, w) =>
          r.choice(x, w, ['int8', 'int4', 'binary'] as const),
        );
        const perChannel = o.perChannel === undefined ? true : o.perChannel === true;
        if (o.activations === undefined) {
          for (const k of ['calibration', 'requantize'])
            if (o[k] !== undefined) r.fail(`${where}.${k}`, "needs 'activations': 'int8'");
          return { kind, mode, perChannel };
        }
        const activations = r.choice(o.activations, `${where}.activations`, ['int8'] as const);
        if (mode !== 'int8' || !perChannel)
          r.fail(where, "int8 activations need 'mode': 'int8' for every layer, per channel");
        if (i !== (top.stages as unknown[]).length - 1)
          r.fail(where, 'int8 activations must be the last stage (the graph is integer after it)');
        return {
          kind,
          mode,
          perChannel,
          activations,
          calibration: r.optNumber(o.calibration, `${where}.calibration`, 1, 65536, true),
          requantize:
            o.requantize === undefined
              ? undefined
              : r.choice(o.requantize, `${where}.requantize`, ['fixed-point', 'float32'] as const),
        };
      }
      case 'lowrank': {
        if ((o.rank === undefined) === (o.energy === undefined))
          r.fail(where, "give exactly one of 'rank' and 'energy'");
        return {
          kind,
          rank:
            o.rank === undefined
              ? undefined
              : r.perLayer(o.rank, `${where}.rank`, (x, w) => r.number(x, w, 1, 65535, true)),
          energy:
            o.energy === undefined
              ? undefined
              : r.perLayer(o.energy, `${where}.energy`, (x, w) => r.number(x, w, 0.0001, 1)),
          epochs: epochs(),
          learningRate,
        };
      }
      case 'structured':
        return {
          kind,
          keep: r.perLayer(o.keep, `${where}.keep`, (x, w) => r.number(x, w, 0.0001, 1)),
          importance:
            o.importance === undefined
              ? 'norm'
              : r.choice(o.importance, `${where}.importance`, ['norm', 'apoz'] as const),
          epochs: epochs(),
          learningRate,
        };
      case 'finetune':
        return { kind, epochs: epochs(true), learningRate };
    }
  });
  const e = r.object(top.encode ?? {}, "field 'encode'", ['gapBits', 'coding', 'biases']);
  const encode: Recipe['encode'] = {
    gapBits:
      e.gapBits === undefined || e.gapBits === 'auto'
        ? 'auto'
        : r.number(e.gapBits, 'encode.gapBits', 1, 8, true),
    coding:
      e.coding === undefined ? 'huffman' : r.choice(e.coding, 'encode.coding', ['huffman', 'fixed'] as const),
    biases:
      e.biases === undefined ? 'float32' : r.choice(e.biases, 'encode.biases', ['float32', 'int8'] as const),
  };
  return { name, description: top.description as string | undefined, train, stages, encode };
}
