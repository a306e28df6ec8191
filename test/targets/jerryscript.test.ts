// Kaluma's JerryScript (180 KB heap, as on the Raspberry Pi Pico) compiled to wasm: its
// print/process/fs/require as Kaluma's, its uncaught errors, the features the runtime needs,
// the fatal out-of-memory turned into a result, and the runtime bundle running the digits MLP
// from a file with Node's outputs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bootJerry, type Jerry } from '../../targets/engines/jerryscript.js';
import { bundleRuntime } from '../../src/build/runtime.js';
import { load, run } from '../../src/runtime/model.js';
import { loadDigits } from '../../src/data/digits.js';
import { mulberry32 } from '../../src/data/prng.js';
import { digitsModel } from '../emulate/models.js';

const HEAP = 180 * 1024;

let j: Jerry;
const others: Jerry[] = [];
beforeAll(() => {
  j = bootJerry();
});
afterEach(() => {
  for (const e of others.splice(0)) e.close();
});
afterAll(() => j?.close());

/** A fresh engine closed after the test. */
function fresh(): Jerry {
  const e = bootJerry();
  others.push(e);
  return e;
}

describe('JerryScript as Kaluma on the Pico', () => {
  it('boots with the 180 KB heap and little of it used', () => {
    expect(j.version).toMatch(/JerryScript 2\.4\.0 .*Kaluma 1\.2\.1.*heap 180 KB/);
    const m = j.memory();
    // The heap area is JERRY_GLOBAL_HEAP_SIZE minus the allocator's first free-block header.
    expect(m.heapSize).toBeGreaterThan(HEAP - 64);
    expect(m.heapSize).toBeLessThanOrEqual(HEAP);
    expect(m.allocated).toBeGreaterThan(0);
    expect(m.allocated).toBeLessThan(8 * 1024);
    expect(m.peak).toBeGreaterThanOrEqual(m.allocated);
  });

  it('prints as Kaluma: print without a newline, console.log with one', () => {
    expect(j.eval('print("a", 1 + 2, [1, 2], null); print("b"); console.log("c", true)')).toEqual({
      output: 'a 3 1,2 nullbc true\n',
      error: null,
      fatal: null,
    });
  });

  it('reports an uncaught error as its text, after what was printed, and stays usable', () => {
    expect(j.eval('print("before"); null.x')).toEqual({
      output: 'before',
      error: "TypeError: Cannot read property 'x' of null",
      fatal: null,
    });
    expect(j.eval('throw new RangeError("too far")').error).toBe('RangeError: too far');
    expect(j.eval('throw "plain"').error).toBe('plain');
    expect(j.eval('var = 1').error).toMatch(/^SyntaxError: /);
    // Kaluma parses in strict mode: an undeclared assignment throws.
    expect(j.eval('undeclaredVariable = 1').error).toMatch(/^ReferenceError: /);
    expect(j.eval('print(typeof undeclaredVariable)').output).toBe('undefined');
  });

  it('has what the runtime needs: typed arrays, DataView, Math, JSON', () => {
    const r = j.eval(
      'var b = new ArrayBuffer(16), d = new DataView(b), f = new Float32Array(b, 4, 2), u = new Uint8Array(b);' +
        'd.setFloat32(4, 1.1, true); d.setUint16(12, 0xbeef, true);' +
        'var s = new Int8Array([-128, 127]), i32 = new Int32Array(2); i32[0] = 0x7fffffff + 1;' +
        'var sub = u.subarray(12, 14);' +
        'print([f[0] === Math.fround(1.1), f[0] !== 1.1, u[12], u[13], sub.length, sub[1], s[0], i32[0],' +
        'Math.exp(1), Math.sqrt(2), Math.max(1, 3, 2), Math.round(-2.5), Math.imul(3, 5), (0.1 + 0.2).toFixed(3),' +
        'JSON.stringify({ a: [1.5, "x"] }), parseInt("ff", 16), (255).toString(16)].join(" "))',
    );
    expect(r.error).toBeNull();
    expect(r.output).toBe(
      `true true 239 190 2 190 -128 -2147483648 ${Math.exp(1)} ${Math.sqrt(2)} 3 -2 15 0.300 {"a":[1.5,"x"]} 255 ff`,
    );
  });

  it("has process.memoryUsage() with Kaluma's names, equal to the driver's figures", () => {
    const r = j.eval(
      'var u = process.memoryUsage(); print(u.heapTotal, u.heapUsed > 0, u.heapPeak >= u.heapUsed, process.platform, process.arch)',
    );
    expect(r.output).toBe(`${j.memory().heapSize} true true rp2 cortex-m0-plus`);
  });

  it('counts a big array in the heap statistics, and frees it after a collection', () => {
    const e = fresh();
    const before = e.memory(true);
    e.resetPeak();
    expect(e.eval('var big = new Float32Array(10000); big[9999] = 1;').error).toBeNull();
    const during = e.memory();
    expect(during.allocated - before.allocated).toBeGreaterThanOrEqual(40_000);
    expect(during.peak).toBeGreaterThanOrEqual(during.allocated);
    // The script's own bytecode and the result object are in use while it runs.
    const used = Number(e.eval('print(process.memoryUsage().heapUsed)').output);
    expect(Math.abs(used - e.memory().allocated)).toBeLessThan(2048);
    e.eval('big = null;');
    const after = e.memory(true);
    expect(during.allocated - after.allocated).toBeGreaterThanOrEqual(40_000);
    // The peak keeps the array until resetPeak().
    expect(after.peak - after.allocated).toBeGreaterThanOrEqual(40_000);
    e.resetPeak();
    expect(e.memory().peak).toBe(e.memory().allocated);
  });

  it('turns running out of the heap (a fatal abort) into a result; a fresh engine works', () => {
    const e = fresh();
    const r = e.eval('print("start"); var xs = []; while (true) xs.push(new Array(1000));');
    expect(r.fatal).toBe('out of memory');
    expect(r.error).toBe('JerryScript fatal: out of memory (heap 180 KB)');
    expect(r.output).toBe('start');
    expect(e.fatal).toBe('out of memory');
    // The statistics of the dead engine: nearly the whole heap was in use.
    expect(e.memory().allocated).toBeGreaterThan(HEAP * 0.8);
    expect(() => e.eval('1')).toThrow(/died \(out of memory\); boot a fresh one/);
    // try/catch cannot catch it (an abort, not an exception)
    const e2 = fresh();
    const r2 = e2.eval(
      'try { var ys = []; while (true) ys.push(new Array(1000)); } catch (err) { print("caught") }',
    );
    expect(r2).toMatchObject({ output: '', fatal: 'out of memory' });
    const e3 = fresh();
    expect(e3.eval('print(1 + 1)')).toEqual({ output: '2', error: null, fatal: null });
  });

  it('aborts a runaway script at the deadline, uncatchable, and the engine lives on', () => {
    const e = fresh();
    const r = e.eval('try { while (true) {} } catch (err) { print("caught") }', 100);
    expect(r).toEqual({ output: '', error: 'Aborted (timeout after 100 ms)', fatal: null });
    expect(e.eval('print("alive")').output).toBe('alive');
  });
});

describe("Kaluma's fs and require", () => {
  const rand = mulberry32(5);
  const bytes = Uint8Array.from({ length: 10_000 }, () => Math.floor(rand() * 256));

  it('require("fs") is one cached module; other modules fail as on Kaluma', () => {
    expect(j.eval('print(require("fs") === require("fs"), typeof require("fs").read)').output).toBe(
      'true function',
    );
    expect(j.eval('require("http")').error).toBe('Error: Failed to load module: http');
  });

  it('reads a binary file in blocks (open, read with and without position, close) as written', () => {
    j.writeFile('model.bin', bytes);
    const r = j.eval(
      'var fs = require("fs"), st = fs.stat("/model.bin"), fd = fs.open("model.bin", "r");' +
        'var all = new Uint8Array(st.size), block = new Uint8Array(1024), got = 0, n, reads = 0;' +
        'while ((n = fs.read(fd, block, 0, block.length)) > 0) { all.set(block.subarray(0, n), got); got += n; reads++; }' +
        'var tail = new Uint8Array(4); fs.read(fd, tail, 0, 4, 9996);' +
        'var mid = new Uint8Array(8); fs.read(fd, mid, 2, 3, 100);' +
        // a read at a position seeks: the next read goes on from there
        'var next = new Uint8Array(2); fs.read(fd, next); mid[6] = next[0]; mid[7] = next[1];' +
        'fs.close(fd);' +
        'print(st.size, st.isFile(), st.isDirectory(), reads, got, btoa(all), tail.join(","), mid.join(","))',
    );
    expect(r.error).toBeNull();
    const [size, isFile, isDir, reads, got, b64, tail, mid] = r.output.split(' ');
    expect([size, isFile, isDir, reads, got]).toEqual(['10000', 'true', 'false', '10', '10000']);
    expect(Buffer.from(b64, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(tail).toBe(Array.from(bytes.subarray(9996)).join(','));
    expect(mid).toBe([0, 0, bytes[100], bytes[101], bytes[102], 0, bytes[103], bytes[104]].join(','));
  });

  it("reads as Kaluma does: offset counts from the ArrayBuffer's start, not the view's", () => {
    j.writeFile('abc', new Uint8Array([65, 66, 67]));
    const r = j.eval(
      'var fs = require("fs"), buf = new Uint8Array(8), view = buf.subarray(4), fd = fs.open("abc");' +
        'print(fs.read(fd, view, 0, 3, 0), buf.join(","));' +
        'try { fs.read(fd, view, 6, 3, 0) } catch (e) { print(" " + e.name) } fs.close(fd)',
    );
    expect(r.output).toBe('3 65,66,67,0,0,0,0,0 RangeError');
  });

  it('readFile, writeFile, exists, unlink, readdir, mkdir, and SystemError for a missing file', () => {
    j.writeFile('model.bin', bytes);
    const r = j.eval(
      'var fs = require("fs"), a = fs.readFile("model.bin");' +
        'fs.writeFile("/out.bin", a.subarray(0, 100)); fs.mkdir("d"); fs.writeFile("d/x", new Uint8Array([7]));' +
        'print(a.length, a[0], fs.exists("out.bin"), fs.readdir("/").join(","), fs.readdir("d").join(","));' +
        'fs.unlink("out.bin"); print(" " + fs.exists("out.bin"));' +
        'try { fs.open("missing.mote") } catch (e) { print(" " + (e instanceof SystemError) + " " + e.errno + " " + e) }' +
        'try { fs.writeFile("s.txt", "text") } catch (e) { print(" " + e.name) }',
    );
    expect(r.error).toBeNull();
    expect(r.output).toBe(
      `10000 ${bytes[0]} true abc,d,model.bin,out.bin x false true -2 Error: No such file or directory TypeError`,
    );
    expect(j.readFile('d/x')).toEqual(new Uint8Array([7]));
  });

  it('atob gives a Uint8Array whose bytes are outside the JerryScript heap', () => {
    const e = fresh();
    const b64 = Buffer.from(bytes).toString('base64');
    e.writeFile('b64.txt', b64);
    // The string is read from a file so that the source text does not hold it.
    e.eval(
      'var fs = require("fs"), t = fs.readFile("b64.txt"), s = ""; for (var i = 0; i < t.length; i++) s += String.fromCharCode(t[i]); t = null;',
    );
    const before = e.memory(true).allocated;
    const r = e.eval('var u = atob(s); print(u.length, u[0], u[9999])');
    expect(r.output).toBe(`10000 ${bytes[0]} ${bytes[9999]}`);
    expect(e.memory(true).allocated - before).toBeLessThan(1000);
  });
});

describe('the runtime bundle on JerryScript at 180 KB', () => {
  let runtime: string;
  beforeAll(async () => {
    runtime = await bundleRuntime();
  });

  it("runs the digits MLP (3-bit clusters) from a file with Node's outputs", async () => {
    const bytes = await digitsModel();
    const test = loadDigits('test');
    const xs = [0, 1, 2].map((i) => test.features.subarray(i * 784, (i + 1) * 784));
    const e = fresh();
    e.writeFile('digits.mote', bytes);
    e.writeFile('x.bin', new Uint8Array(Float32Array.from(xs.flatMap((x) => Array.from(x))).buffer));
    expect(e.eval(runtime).error).toBeNull();
    e.resetPeak();
    const r = e.eval(
      'var fs = require("fs"), M = mote.load(fs.readFile("digits.mote")), X = new Float32Array(fs.readFile("x.bin").buffer), R = [];' +
        'for (var k = 0; k < 3; k++) { var y = mote.run(M, X.subarray(k * 784, (k + 1) * 784)), o = y.outputs[0], a = [];' +
        'for (var i = 0; i < o.length; i++) a.push(o[i]); R.push({ o: a, l: y.label }) } print(JSON.stringify(R))',
    );
    expect(r.error).toBeNull();
    const got = JSON.parse(r.output) as { o: number[]; l: number }[];
    const m = load(bytes);
    const want = xs.map((x) => run(m, x));
    expect(got.map((g) => g.l)).toEqual(want.map((w) => w.label));
    got.forEach((g, i) => {
      const o = want[i].outputs[0];
      expect(g.o.length).toBe(o.length);
      g.o.forEach((v, k) => expect(Math.abs(v - o[k])).toBeLessThan(1e-6));
    });
    // It fits Kaluma's heap, with the model bytes read into it.
    expect(e.memory().peak).toBeLessThan(HEAP);
  });
});
