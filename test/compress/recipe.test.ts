import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parseRecipe } from '../../src/compress/recipe.js';

describe('recipes', () => {
  it('parses every committed recipe', () => {
    for (const f of readdirSync('models/recipes')) {
      const r = parseRecipe(JSON.parse(readFileSync(`models/recipes/${f}`, 'utf8')), f);
      expect(r.stages.length).toBeGreaterThan(0);
    }
  });

  it('names unknown keys, their place and the allowed keys', () => {
    const bad = (json: unknown) => () => parseRecipe(json, 'r.json');
    expect(bad({ name: 'x', stages: [], colour: 1 })).toThrow(
      /recipe r\.json: unknown key 'colour' \(allowed: name, description, train, stages, encode\)/,
    );
    expect(bad({ name: 'x', stages: [{ clustr: { bits: 5 } }] })).toThrow(
      /stages\[0\]: unknown key 'clustr' \(did you mean 'cluster'\?\)/,
    );
    expect(bad({ name: 'x', stages: [{ cluster: { bits: 9 } }] })).toThrow(
      /stages\[0\]\.cluster\.bits: must be a whole number in \[1, 8\], got 9/,
    );
    expect(bad({ name: 'x', stages: [{ prune: { sparsity: 0.5 }, cluster: { bits: 4 } }] })).toThrow(
      /must name exactly one stage/,
    );
    expect(bad({ name: 'x', train: { learningrate: 1 }, stages: [{ finetune: { epochs: 1 } }] })).toThrow(
      /train': unknown key 'learningrate' \(did you mean 'learningRate'\?\)/,
    );
    expect(bad({ name: 'x', stages: [{ lowrank: { rank: 3, energy: 0.9 } }] })).toThrow(
      /exactly one of 'rank' and 'energy'/,
    );
    expect(bad({ name: 'x', stages: [{ quantize: { mode: 'int3' } }] })).toThrow(
      /mode: must be one of int8, int4, binary/,
    );
  });
});
