// Cost models for the targets: kernel costs measured on the desktop by
// `npx tsx src/bench/calibrate.ts --engine all` (docs/TARGETS.md has the full output),
// scaled to each device by a stated factor. The desktop figures are measurements; every
// device figure derived from them is an ESTIMATE (see each descriptor for its factor,
// source and uncertainty). Re-run the calibration and update these after runtime changes.
import type { CostModel } from './target.js';

type Measured = Omit<CostModel, 'source'>;

/** QuickJS (quickjs-emscripten, WebAssembly in Node 20), 2-core CI-class x86-64 host. */
export const QUICKJS_WASM_MEASURED: Measured = {
  usPerMac: { dense: 0.0473, 'dense-decode': 0.184, 'dense-sparse': 0.0481 },
  usPerDecodedBit: 0.0257,
  usPerElement: 0.0649,
  usPerOp: 0.253,
};

/** Debian's native `duk` (Duktape 2.7.0), same host (the tests now run Duktape's wasm build). */
export const DUKTAPE_MEASURED: Measured = {
  usPerMac: { dense: 0.0418, 'dense-decode': 0.189, 'dense-sparse': 0.0538 },
  usPerDecodedBit: 0.0383,
  usPerElement: 0.0652,
  usPerOp: 0.462,
};

/** Node 20 (V8, JIT) running the bundle in a `vm` context, same host. */
export const NODE_MEASURED: Measured = {
  usPerMac: { dense: 0.00158, 'dense-decode': 0.00587, 'dense-sparse': 0.00187 },
  usPerDecodedBit: 0.000579,
  usPerElement: 0.00177,
  usPerOp: 0.00456,
};

/** µs per iteration of `for (var i = 0; i < n; i++);` in QuickJS-wasm on the same host (calibrate.ts). */
export const QUICKJS_WASM_EMPTY_LOOP_US = 0.0126;

/**
 * Espruino's published empty-loop time: 10,000 iterations of `for(var i=0;i<10000;i++);`
 * took 1,870 ms on an STM32F103 (Cortex-M3, 72 MHz), Espruino 1v83
 * (https://jeelabs.org/article/1549d/): 187 µs per iteration at 72 MHz, i.e. 13,464 µs·MHz.
 */
export const ESPRUINO_EMPTY_LOOP_US_MHZ = 187 * 72;

/**
 * Espruino's slowdown against QuickJS-wasm on this host, at a clock of `mhz`: the ratio of
 * their empty-loop times. The kernels cost 3-5 empty-loop iterations per MAC or element in
 * every engine measured (QuickJS 3.8, Duktape 4.4, V8 2.6 per float32 MAC), which is what
 * makes the loop a usable yardstick. ESTIMATE: the Espruino figure is from 1v83 (2015) on
 * a Cortex-M3; current firmware on an nRF52 is likely faster, so these costs are probably
 * high, by up to ~5×; treat them as the slow end until a device is profiled.
 */
export function espruinoFactor(mhz: number): number {
  return ESPRUINO_EMPTY_LOOP_US_MHZ / mhz / QUICKJS_WASM_EMPTY_LOOP_US;
}

/** Multiplies every figure of a measured cost model by `factor`. */
export function scaleCost(base: Measured, factor: number, source: string): CostModel {
  const r = (v: number): number => Number((v * factor).toPrecision(3));
  return {
    usPerMac: {
      dense: r(base.usPerMac.dense),
      'dense-decode': r(base.usPerMac['dense-decode']),
      'dense-sparse': r(base.usPerMac['dense-sparse']),
    },
    usPerDecodedBit: r(base.usPerDecodedBit),
    usPerElement: r(base.usPerElement),
    usPerOp: r(base.usPerOp),
    source,
  };
}

/** The calibration command, quoted in every cost model's source. */
export const CALIBRATION_COMMAND = 'npx tsx src/bench/calibrate.ts --engine all';

/**
 * The MACs a target runs in about a minute at `usPerMac` µs each, to one significant digit:
 * its default work bound (Target.maxMacs; `--max-macs` raises it). Past it a model file is
 * refused at load instead of keeping the device busy for longer than anyone waits.
 */
export function macsInAMinute(usPerMac: number): number {
  return Number((60e6 / usPerMac).toPrecision(1));
}

/**
 * µs per MAC of Espruino with its native dot product (E.convolve), measured: LeNet-5's
 * 2,307,720 MACs in 2,692 ms on the Bangle.js 2 firmware (64 MHz; docs/BENCHMARKS.md,
 * "Devices"). The empty-loop estimates above are pure-JS kernels, hundreds of times slower,
 * and would refuse models the watch runs in seconds. At `mhz`, scaled by the clock.
 */
export function espruinoNativeUsPerMac(mhz: number): number {
  return ((2692e3 / 2307720) * 64) / mhz;
}
