// mote bundle: the runtime for one model alone, run by itself on every engine, and holding
// nothing the model does not use.
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForModel, runtimeFor } from '../../src/build/model-bundle.js';
import { bundleRuntime } from '../../src/build/runtime.js';
import { ROOT } from '../../src/build/paths.js';
import { load, run } from '../../src/runtime/model.js';
import { getTarget } from '../../targets/index.js';
import { runInNode } from '../../targets/engines/node.js';
import { runInQuickJS } from '../../targets/engines/quickjs.js';
import { runInDuktape } from '../../targets/engines/duktape.js';
import { bootJerry } from '../../targets/engines/jerryscript.js';
import { bootFirmware, type Firmware } from '../../targets/engines/firmware.js';
import { main } from '../../src/cli/main.js';
import { activationHeavyModel, digitsModel, smallModel } from '../emulate/models.js';
import { loadDigits } from '../../src/data/digits.js';

const lenet5 = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-5/lenet-5.mote')));
const exits = new Uint8Array(readFileSync(path.join(ROOT, 'models/deep-exits/deep-exits.mote')));
const kaluma = getTarget('kaluma-pico');
const bangle = getTarget('banglejs2');
let digits: Uint8Array;
let generic: string;
let fw: Firmware;
beforeAll(async () => {
  [digits, generic, fw] = await Promise.all([digitsModel(), bundleRuntime(), bootFirmware('banglejs2')]);
});
afterAll(() => fw?.close());

const x0 = Array.from(loadDigits('test').features.subarray(0, 784));

/** Evaluates a bundle in a fresh Node context: the global `mote` it defines. */
function moteIn(source: string): { [name: string]: (...a: unknown[]) => unknown } {
  const ctx = vm.createContext({});
  vm.runInContext(source, ctx);
  return ctx.mote as { [name: string]: (...a: unknown[]) => unknown };
}

describe('the runtime for one model alone', () => {
  it('holds only the kernels its ops use, and is smaller than the generic bundle', () => {
    const d = bundleForModel(digits, { target: bangle });
    expect(d.ops).toEqual(['dense', 'relu', 'softmax']);
    expect(d.parts).toEqual(['flash']);
    const l = bundleForModel(lenet5, { target: kaluma });
    expect(l.ops).toEqual(['conv2d', 'dense', 'maxpool', 'relu', 'reshape', 'softmax']);
    expect(l.parts).toEqual([]);
    expect(bundleForModel(exits).parts).toEqual(['exits', 'flash']);
    expect(d.source.length).toBeLessThan(generic.length * 0.75);
    // A target without Espruino's Storage leaves that path out.
    expect(runtimeFor(digits, kaluma).length).toBeLessThan(d.source.length - 3000);
    for (const token of ['=>', 'let ', 'const ', 'class ']) expect(d.source).not.toContain(token);
  });

  it('refuses a model with an op it does not hold, naming the op', () => {
    const mote = moteIn(runtimeFor(digits, kaluma));
    expect(() => mote.load(lenet5)).toThrow(/unsupported op 0 \(code 5\): this runtime has no kernel for it/);
    expect(() => mote.load('m.mote')).toThrow(/this bundle has no Storage path: load the bytes/);
  });

  it('gives the outputs of the generic runtime in Node, QuickJS and Duktape', async () => {
    const inputs = [x0];
    const want = run(load(digits), x0).outputs[0];
    const source = runtimeFor(digits, kaluma);
    for (const r of [
      await runInNode(source, digits, inputs),
      await runInQuickJS(source, digits, inputs, { memoryLimitBytes: bangle.emulatorMemoryBytes }),
      await runInDuktape(source, digits, inputs),
    ])
      r.outputs[0].forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(1e-6));
  });

  it('runs on JerryScript at 180 KB from a file, and on the Bangle.js 2 firmware by name', () => {
    const want = run(load(digits), x0);
    const e = bootJerry();
    try {
      e.writeFile('d.mote', digits);
      e.writeFile('x.bin', new Uint8Array(Float32Array.from(x0).buffer));
      expect(e.eval(runtimeFor(digits, kaluma)).error).toBeNull();
      const r = e.eval(
        'var fs = require("fs"), y = mote.run(mote.load(fs.readFile("d.mote")), new Float32Array(fs.readFile("x.bin").buffer));' +
          'print(y.label, y.outputs[0][y.label])',
      );
      expect(r.error).toBeNull();
      const [label, p] = r.output.split(' ').map(Number);
      expect(label).toBe(want.label);
      expect(Math.abs(p - want.outputs[0][want.label])).toBeLessThan(1e-6);
    } finally {
      e.close();
    }
    fw.reset();
    fw.writeFile('mote.js', runtimeFor(digits, bangle));
    fw.writeFile('d.mote', digits);
    const b64 = Buffer.from(Float32Array.from(x0).buffer).toString('base64');
    const r = fw.eval(
      `eval(require("Storage").read("mote.js"));var y=mote.run(mote.load("d.mote"),new Float32Array(E.toArrayBuffer(atob("${b64}"))));print(y.label,y.outputs[0][y.label])`,
      600_000,
    );
    expect(r.error).toBeNull();
    const [label, p] = r.output.trim().split(' ').map(Number);
    expect(label).toBe(want.label);
    expect(Math.abs(p - want.outputs[0][want.label])).toBeLessThan(1e-6);
  });

  it('embeds the model for boards without a file store (base64, never an array literal)', () => {
    const small = smallModel();
    const b = bundleForModel(small, { target: kaluma, embed: true });
    expect(b.parts).toEqual(['embedded']);
    expect(b.source).toContain(Buffer.from(small).toString('base64'));
    const x = Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const want = run(load(small), x).outputs[0];
    const mote = moteIn(b.source);
    const got = (mote.run(mote.load(mote.embedded()), x) as { outputs: Float32Array[] }).outputs[0];
    expect(Array.from(got)).toEqual(Array.from(want));
    const e = bootJerry();
    try {
      expect(e.eval(b.source).error).toBeNull();
      const r = e.eval(
        'print(mote.run(mote.load(mote.embedded()), ' + JSON.stringify(x) + ').outputs[0][0])',
      );
      expect(r.error).toBeNull();
      expect(Math.abs(Number(r.output) - want[0])).toBeLessThan(1e-6);
    } finally {
      e.close();
    }
  });
});

describe("Kaluma's heap (JerryScript at 180 KB, where running out is fatal)", () => {
  it('refuses a model whose buffers would not fit with an error the app can catch, and keeps running', () => {
    const big = activationHeavyModel();
    const e = bootJerry();
    try {
      e.writeFile('big.mote', big);
      expect(e.eval(runtimeFor(big, kaluma)).error).toBeNull();
      const r = e.eval(
        'var fs = require("fs"); try { mote.load(fs.readFile("big.mote")); print("loaded") } catch (err) { print(err.message) } print(" ", 1 + 1)',
      );
      expect(r.fatal).toBeFalsy();
      expect(r.output).toMatch(
        /^mote: model at byte 0: needs about \d+ bytes of heap \(240000 bytes of buffers\), and \d+ are free {2}2$/,
      );
    } finally {
      e.close();
    }
  });
});

describe('mote bundle', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mote-bundle-'));
  it('writes the bundle and reports its size, ops and parts', async () => {
    const out = path.join(dir, 'app.js');
    const r = await main([
      'bundle',
      path.join(ROOT, 'models/lenet-5/lenet-5.mote'),
      '-o',
      out,
      '--target',
      'kaluma-pico',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { bytes: number; ops: string[]; parts: string[] };
    expect(report.bytes).toBe(readFileSync(out).length);
    expect(report.ops).toContain('conv2d');
    expect(report.parts).toEqual([]);
  });

  it('writes nothing for a bad model, and names the problem', async () => {
    const bad = path.join(dir, 'bad.mote');
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, lenet5.subarray(0, 100)));
    const out = path.join(dir, 'bad.js');
    const r = await main(['bundle', bad, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mote: /);
    expect(existsSync(out)).toBe(false);
    expect((await main(['bundle', bad])).code).toBe(2);
  });
});
