// Every committed model on the Bangle.js 2 firmware (Espruino 2v29.74 compiled to JS), the
// watch's own interpreter and memory: loaded by Storage name as README says, run there, and
// checked against the same runtime on Node (outputs, labels, exits taken).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFirmware, type Firmware } from '../../targets/engines/firmware.js';
import { bundleRuntime } from '../../src/build/runtime.js';
import { runtimeFor } from '../../src/build/model-bundle.js';
import { getTarget } from '../../targets/index.js';
import { ROOT } from '../../src/build/paths.js';
import { load, run } from '../../src/runtime/model.js';
import { runExits } from '../../src/runtime/schedule.js';
import { deviceForm } from '../../src/format/device-form.js';
import { loadDigits } from '../../src/data/digits.js';
import { codebookModel, smallModel } from '../emulate/models.js';

let fw: Firmware;
let runtime: string;
beforeAll(async () => {
  [fw, runtime] = await Promise.all([bootFirmware('banglejs2'), bundleRuntime()]);
  fw.writeFile('mote.js', runtime);
});
afterAll(() => fw?.close());

const test = loadDigits('test');
const inputs = [0, 1].map((i) => Array.from(test.features.subarray(i * 784, (i + 1) * 784)));

interface DeviceResult {
  o: number[];
  l: number;
  e?: number;
}

/**
 * Loads `name` by name on a fresh interpreter and runs each input there. Inputs cross as
 * float32 bytes in base64: a JS array of numbers costs a variable per element there.
 */
function runOnDevice(name: string, xs: number[][], exits: boolean): DeviceResult[] {
  fw.reset();
  const n = xs[0].length;
  const data = Buffer.from(Float32Array.from(xs.flat()).buffer).toString('base64');
  const code =
    'eval(require("Storage").read("mote.js"));var M=mote.load(' +
    JSON.stringify(name) +
    '),B=E.toArrayBuffer(atob("' +
    data +
    '")),R=[];for(var k=0;k<' +
    xs.length +
    ';k++){var x=new Float32Array(B,k*' +
    n * 4 +
    ',' +
    n +
    '),r=' +
    (exits ? 'mote.runExits(M,x)' : 'mote.run(M,x)') +
    ',o=' +
    (exits ? 'r.probs' : 'r.outputs[0]') +
    ',a=[];for(var i=0;i<o.length;i++)a.push(o[i]);R.push({o:a,l:r.label' +
    (exits ? ',e:r.exit' : '') +
    '})}print(JSON.stringify(R))';
  const r = fw.eval(code, 600_000);
  if (r.error) throw new Error(`${name} on the firmware: ${r.error}`);
  return JSON.parse(r.output) as DeviceResult[];
}

function expectSame(got: DeviceResult[], want: DeviceResult[]): void {
  expect(got.map((r) => r.l)).toEqual(want.map((r) => r.l));
  expect(got.map((r) => r.e)).toEqual(want.map((r) => r.e));
  got.forEach((r, i) => r.o.forEach((v, k) => expect(Math.abs(v - want[i].o[k])).toBeLessThan(1e-5)));
}

/** The same runtime on Node, from the bytes. */
function runOnNode(bytes: Uint8Array, xs: number[][], exits: boolean): DeviceResult[] {
  const m = load(bytes);
  return xs.map((x) => {
    if (!exits) {
      const r = run(m, x);
      return { o: Array.from(r.outputs[0]), l: r.label };
    }
    const r = runExits(m, x);
    return { o: Array.from(r.probs), l: r.label, e: r.exit };
  });
}

const committed = readdirSync(path.join(ROOT, 'models'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.mote'))
  .map((f) => path.join('models', f))
  .sort();

describe('every committed model on the Bangle.js 2 firmware', () => {
  it('finds the committed models', () => {
    expect(committed.length).toBeGreaterThanOrEqual(8);
  });

  it.each(committed)('%s loads by name and runs as on Node', (file) => {
    const bytes = new Uint8Array(readFileSync(path.join(ROOT, file)));
    const exits = load(bytes).exits.length > 0;
    const name = 'm.mote';
    fw.erase(name + '.d');
    fw.writeFile(name, bytes);
    // The host writes the device form (the same runtime code the watch would run at first
    // load), so the suite does not wait for JS Huffman decoding on the emulator.
    const form = deviceForm(bytes);
    if (form) fw.writeFile(name + '.d', form);
    expectSame(runOnDevice(name, inputs, exits), runOnNode(bytes, inputs, exits));
  });
});

describe('the device form', () => {
  it('is written by the watch at first load, identical to the host one, and reused', () => {
    const bytes = smallModel();
    fw.erase('s.mote.d');
    fw.writeFile('s.mote', bytes);
    const x = [Array.from({ length: 32 }, (_, i) => Math.sin(i))];
    const want = runOnNode(bytes, x, false);
    expectSame(runOnDevice('s.mote', x, false), want);
    const written = fw.readFile('s.mote.d');
    expect(written).not.toBeNull();
    expect(Buffer.from(written!).equals(Buffer.from(deviceForm(bytes)!))).toBe(true);
    // Reloading reuses it: the file is not rewritten (a rewrite would fail on flash without
    // an erase, and the runtime erases only a stale form).
    expectSame(runOnDevice('s.mote', x, false), want);
  });

  it('is rebuilt when the model is replaced', () => {
    const bytes = codebookModel(48, 10);
    fw.writeFile('s.mote', bytes);
    // s.mote.d still holds the small model's form: stale, so the load rebuilds it.
    const x = [Array.from({ length: 48 }, (_, i) => Math.cos(i))];
    expectSame(runOnDevice('s.mote', x, false), runOnNode(bytes, x, false));
    expect(Buffer.from(fw.readFile('s.mote.d')!).equals(Buffer.from(deviceForm(bytes)!))).toBe(true);
  });
});

describe('inputs on the firmware', () => {
  it('are copied natively, and a NaN among them is still refused by name', () => {
    fw.reset();
    fw.writeFile('s.mote', smallModel());
    const r = fw.eval(
      'eval(require("Storage").read("mote.js"));var M=mote.load("s.mote"),x=new Float32Array(32);' +
        'var a=mote.run(M,x).outputs[0][0];x[7]=NaN;try{mote.run(M,x)}catch(e){print(a===a,e.message)}',
    );
    expect(r.error).toBeNull();
    expect(r.output).toMatch(/^true mote: input at byte 7: input 'x' holds a value that is not a number/);
  });
});

describe('the Bangle.js 1 firmware (2,500 variables)', () => {
  it('refuses a model it cannot hold with an error the app can catch, and keeps running', async () => {
    const small = await bootFirmware('banglejs1');
    try {
      const lenet = new Uint8Array(readFileSync(path.join(ROOT, 'models/lenet-300-100/lenet-300-100.mote')));
      // The runtime for this model alone, as mote flash installs it (the generic one holds
      // every kernel, which Bangle.js 1 cannot even parse).
      small.writeFile('mote.js', runtimeFor(lenet, getTarget('banglejs1')));
      small.writeFile('m.mote', lenet);
      const r = small.eval(
        'eval(require("Storage").read("mote.js"));try{mote.load("m.mote");print("loaded")}' +
          'catch(e){print(e.message)}print(1+1)',
      );
      expect(r.error).toBeNull();
      expect(r.output).toMatch(/^mote: model at byte 0: (too big for this device|needs about \d+ variables)/);
      expect(r.output.trim().split('\n').pop()).toBe('2');
    } finally {
      small.close();
    }
  });
});
