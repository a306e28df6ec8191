// The Bangle.js firmware (Espruino 2v29.74 compiled to JS) booted in Node by
// targets/engines/firmware.ts: its REPL, Storage and memory, and the Espruino quirks the
// runtime is written around, checked on the real interpreter rather than a stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bootFirmware, type Firmware, type FirmwareBoard } from '../../targets/engines/firmware.js';

const boards: { board: FirmwareBoard; total: number; blocksize: number; tooBig: number }[] = [
  { board: 'banglejs2', total: 12000, blocksize: 14, tooBig: 300_000 },
  { board: 'banglejs1', total: 2500, blocksize: 13, tooBig: 40_000 },
];

const firmwares = new Map<FirmwareBoard, Firmware>();
beforeAll(async () => {
  for (const { board } of boards) firmwares.set(board, await bootFirmware(board));
});
afterAll(() => {
  for (const fw of firmwares.values()) fw.close();
});

/** 100 KB holding every byte value, in an order that is not a plain ramp. */
function allBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >> 8)) & 255;
  return b;
}

describe.each(boards)('$board firmware', ({ board, total, blocksize, tooBig }) => {
  let fw: Firmware;
  beforeEach(() => {
    fw = firmwares.get(board)!;
    fw.reset();
  });

  it('reports its version and memory', () => {
    expect(fw.board).toBe(board);
    expect(fw.version).toMatch(/^\d+v\d+(\.\d+)?$/);
    expect(fw.version).toBe('2v29.74');
    const m = fw.memory();
    expect(m.total).toBe(total);
    expect(m.blocksize).toBe(blocksize);
    expect(m.free + m.usage).toBe(total);
    expect(m.usage).toBeLessThan(100); // a fresh interpreter at the REPL
  });

  it('evaluates single lines and multi-line code, printing only what is printed', () => {
    expect(fw.eval('1+2')).toEqual({ output: '', error: null });
    expect(fw.eval('print(1+2)')).toEqual({ output: '3\n', error: null });
    const code = 'var k = 3;\nfunction f(a) {\n  return a * k; // a comment\n}\nprint(f(7));';
    expect(fw.eval(code)).toEqual({ output: '21\n', error: null });
    expect(fw.eval('print(f(2))').output).toBe('6\n');
    // functions keep their code in the Storage file they were read from: a second multi-line
    // eval must not overwrite the first one's file
    expect(fw.eval('var z = 1;\nprint(f(z))').output).toBe('3\n');
    expect(fw.list().filter((n) => n.startsWith('.mote-eval'))).toHaveLength(2);
    fw.reset();
    expect(fw.list().filter((n) => n.startsWith('.mote-eval'))).toHaveLength(0);
  });

  it('returns an uncaught error with its trace', () => {
    const r = fw.eval('print("before"); null.x');
    expect(r.output).toBe('before\n');
    expect(r.error).toMatch(/^Uncaught Error: Can't read property 'x' of null\n {4}at /);
    expect(fw.eval('print("still here")')).toEqual({ output: 'still here\n', error: null });
  });

  it('reports running out of memory as an error and works again after reset', () => {
    const r = fw.eval(`var big = new Uint8Array(${tooBig})`);
    expect(r.error).toMatch(/Execution Interrupted/);
    const objects = fw.eval('var a = []; for (var i = 0; i < 100000; i++) a.push({ x: i });');
    expect(objects.error).toMatch(/Execution Interrupted/);
    fw.reset();
    expect(fw.memory().usage).toBeLessThan(100);
    expect(fw.eval('print(new Uint8Array(100).length)')).toEqual({ output: '100\n', error: null });
  });

  it('interrupts a runaway loop after the timeout', () => {
    const r = fw.eval('while (true) {}', 200);
    expect(r.error).toMatch(/^Execution Interrupted\n\(interrupted by mote/);
    expect(fw.eval('print("alive")').output).toBe('alive\n');
  });

  it('round-trips a binary file through Storage, which survives reset', () => {
    const bytes = allBytes(100 * 1024);
    fw.writeFile('mote.bin', bytes);
    fw.reset();
    expect(fw.list()).toContain('mote.bin');
    expect(fw.eval('print(require("Storage").read("mote.bin").length)').output).toBe('102400\n');
    expect(Buffer.compare(fw.readFile('mote.bin')!, bytes)).toBe(0);
    expect(fw.readFile('no such file')).toBeNull();
    fw.erase('mote.bin');
    expect(fw.list()).not.toContain('mote.bin');
  });

  it('writes in smaller chunks when little memory is left, and writes strings as UTF-8', () => {
    fw.eval(`var hold = new Uint8Array(${(total - 700) * blocksize})`);
    expect(fw.memory().free).toBeLessThan(800);
    const bytes = allBytes(10_000);
    fw.writeFile('mote.low', bytes);
    expect(Buffer.compare(fw.readFile('mote.low')!, bytes)).toBe(0);
    fw.writeFile('mote.txt', 'héllo\n');
    expect(Buffer.from(fw.readFile('mote.txt')!).toString()).toBe('héllo\n');
    // Espruino's Storage has no empty files: the firmware's own error comes back
    expect(() => fw.writeFile('mote.empty', new Uint8Array(0))).toThrow(/Can't create zero length file/);
    for (const f of ['mote.low', 'mote.txt']) fw.erase(f);
  });

  it('has the quirks the runtime relies on', () => {
    // === between typed arrays compares contents
    expect(fw.eval('print(new Float32Array(4) === new Float32Array(4))').output).toBe('true\n');
    // a view whose byteOffset is 65,536 or more throws (a Storage file stands in for a big buffer)
    fw.writeFile('mote.70k', new Uint8Array(70_000));
    const buffer = 'E.toArrayBuffer(require("Storage").read("mote.70k"))';
    expect(fw.eval(`print(new Uint8Array(${buffer}, 65535).length)`).output).toBe('4465\n');
    const r = fw.eval(`new Uint8Array(${buffer}, 65536)`);
    expect(r.error).toMatch(/^Uncaught Error: byteOffset too large/);
    fw.erase('mote.70k');
  });
});

describe('a freshly booted firmware', () => {
  it('has its buttons released, so it does not run its recovery code', async () => {
    // Buttons are active-low; one read as held since boot makes the firmware run its recovery
    // code ~0.5 s later (Bangle.setUI(), clearTimeout(), ...), which would cancel this timer.
    const fw = await bootFirmware('banglejs2');
    try {
      fw.eval(
        'Bangle.setUI = function () { print("recovery"); }; setTimeout(function () { print("timer ran"); }, 700);',
      );
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(fw.eval('')).toEqual({ output: 'timer ran\n', error: null });
    } finally {
      fw.close();
    }
  });
});

describe('two firmwares in one process', () => {
  it('are independent', () => {
    const [a, b] = boards.map(({ board }) => firmwares.get(board)!);
    a.eval('var only = "two"');
    b.eval('var only = "one"');
    expect(a.eval('print(only)').output).toBe('two\n');
    expect(b.eval('print(only)').output).toBe('one\n');
    a.writeFile('mote.own', 'a');
    expect(b.list()).not.toContain('mote.own');
    a.erase('mote.own');
  });
});
