// Every target, with the example digits model: either it runs in the target's emulator
// (its memory limits applied) with the same outputs as Node's, or `fit` and the emulator
// both refuse it with an out-of-budget message. The two must agree.
import { beforeAll, describe, expect, it } from 'vitest';
import { emulate } from '../../src/emulate/emulate.js';
import { checkFit } from '../../src/emulate/fit.js';
import { load, run } from '../../src/runtime/model.js';
import { loadDigits } from '../../src/data/digits.js';
import { listTargets } from '../../targets/index.js';
import { runtimeBundle } from '../helpers/bundle.js';
import { digitsModel } from './models.js';

let bundleSource = '';
let bytes: Uint8Array = new Uint8Array(0);
const test = loadDigits('test');
const inputs = [0, 1, 2].map((i) => test.features.subarray(i * 784, (i + 1) * 784));

beforeAll(async () => {
  bundleSource = await runtimeBundle();
  bytes = await digitsModel();
});

describe('the example model on every target', () => {
  for (const target of listTargets()) {
    it(`${target.name}: runs with Node's outputs, or is refused clearly; fit and the emulator agree on RAM`, async () => {
      const fit = checkFit(bytes, target, 'stream', { bundleSource });
      const host = load(bytes);
      const outcome = await emulate(bytes, target, inputs, { plan: 'stream', bundleSource }).then(
        (r) => r,
        (e: Error) => e,
      );
      if (!(outcome instanceof Error)) {
        outcome.samples.forEach((s, i) =>
          expect(s.outputs).toEqual(Array.from(run(host, inputs[i]).outputs[0])),
        );
      } else {
        // The emulator holds the model file and the runtime's code in its heap, which a
        // device keeps in flash, so on the smallest boards it can refuse what fits there.
        expect(outcome.message).toMatch(
          new RegExp(`^mote: does not fit ${target.name} .*(out of memory|over the limit)`),
        );
      }
      const ram = fit.checks.find((c) => c.name === 'ram')!;
      if (!ram.ok) {
        expect(fit.summary).toMatch(new RegExp(`^does not fit ${target.name}: RAM needs`));
        expect(outcome).toBeInstanceOf(Error);
      }
    });
  }
});
