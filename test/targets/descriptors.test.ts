import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET, getTarget, listTargets } from '../../targets/index.js';
import { targetsCommand, targetsHelp } from '../../src/cli/targets.js';

const targets = listTargets();

describe('target descriptors', () => {
  it('has unique names and includes the default target', () => {
    const names = targets.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(DEFAULT_TARGET);
    for (const n of [
      'banglejs2',
      'banglejs1',
      'puckjs',
      'espruino-pico',
      'espruino-wifi',
      'kaluma-pico',
      'quickjs-watch',
      'node',
      'browser',
      'duktape',
    ])
      expect(names).toContain(n);
  });

  for (const t of targets) {
    describe(t.name, () => {
      it('has consistent memory figures', () => {
        expect(t.ramForModelBytes).toBeGreaterThan(0);
        expect(t.ramForModelBytes).toBeLessThanOrEqual(t.jsHeapBytes);
        expect(t.jsHeapBytes).toBeLessThanOrEqual(t.emulatorMemoryBytes);
        expect(t.flashBytes).toBeGreaterThan(0);
        for (const v of [t.ramForModelBytes, t.jsHeapBytes, t.emulatorMemoryBytes, t.flashBytes])
          expect(Number.isInteger(v)).toBe(true);
      });

      it('has a positive, finite cost model with a source', () => {
        const c = t.cost;
        const figures = [
          c.usPerMac.dense,
          c.usPerMac['dense-decode'],
          c.usPerMac['dense-sparse'],
          c.usPerDecodedBit,
          c.usPerElement,
          c.usPerOp,
        ];
        for (const v of figures) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThan(0);
        }
        expect(c.source.length).toBeGreaterThan(10);
      });

      it('has a default plan, an emulator and a transport that fit its engine', () => {
        expect(['cache', 'stream', 'install']).toContain(t.defaultPlan);
        expect(t.title.length).toBeGreaterThan(0);
        if (t.engine === 'espruino') {
          expect(t.nativeHelpers).toContain('E.convolve');
          expect(t.nativeHelpers).toContain('E.sum');
          expect(t.emulator).toBe('quickjs');
          expect(t.esLevel).toBe(5);
          expect(t.hasWebAssembly).toBe(false);
        } else {
          expect(t.nativeHelpers).toEqual([]);
        }
        if (t.engine === 'duktape') expect(t.emulator).toBe('duktape');
        if (t.engine === 'v8') {
          expect(t.emulator).toBe('node');
          expect(t.transport).toBe('local');
          expect(t.defaultPlan).toBe('cache');
        }
        if (t.transport !== 'local') expect(t.defaultPlan).toBe('stream');
      });
    });
  }

  it('keeps device estimates slower than the hosts they were derived from', () => {
    const node = getTarget('node').cost.usPerMac.dense;
    for (const t of targets.filter((x) => x.transport !== 'local'))
      expect(t.cost.usPerMac.dense).toBeGreaterThan(node);
  });
});

describe('getTarget', () => {
  it('returns a known target', () => {
    expect(getTarget('banglejs2').engine).toBe('espruino');
  });

  it('names the known targets in its error', () => {
    expect(() => getTarget('no-such-board')).toThrow(/unknown target 'no-such-board'/);
    try {
      getTarget('no-such-board');
    } catch (e) {
      for (const t of targets) expect((e as Error).message).toContain(t.name);
    }
  });
});

describe('mote targets', () => {
  it('prints every target name and title in its table', () => {
    const out = targetsCommand(false);
    for (const t of targets) {
      expect(out).toContain(t.name);
      expect(out).toContain(t.title);
    }
    expect(targetsHelp).toMatch(/mote targets/);
  });

  it('prints valid JSON descriptors with --json', () => {
    const parsed = JSON.parse(targetsCommand(true)) as { name: string; cost: { usPerOp: number } }[];
    expect(parsed.map((t) => t.name)).toEqual(targets.map((t) => t.name));
    for (const t of parsed) expect(t.cost.usPerOp).toBeGreaterThan(0);
  });
});
