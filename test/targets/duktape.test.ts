// The Duktape engine the tests run the runtime under: Duktape 2.7.0's own `duk`, compiled to
// wasm and run by Node (targets/engines/duktape/), strict ES5.1, with nothing installed.
import { describe, expect, it } from 'vitest';
import { runDukProgram } from '../../targets/engines/duktape.js';

describe('the bundled Duktape', () => {
  it('is Duktape 2.7.0 and prints a line per print()', async () => {
    expect(await runDukProgram('print(Duktape.version); print("a", 1 + 2);', 20_000)).toBe('20700\na 3\n');
  });

  it('is ES5.1: ES2015 syntax is a syntax error, reported with its message', async () => {
    await expect(runDukProgram('var f = (x) => x;', 20_000)).rejects.toThrow(/^Duktape: SyntaxError/);
    await expect(runDukProgram('let x = 1;', 20_000)).rejects.toThrow(/^Duktape: SyntaxError/);
  });

  it('reports an uncaught error with its message', async () => {
    await expect(runDukProgram('throw new RangeError("no room");', 20_000)).rejects.toThrow(
      /^Duktape: RangeError: no room/,
    );
  });
});
