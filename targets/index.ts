// The targets mote knows, by name.
import type { Target } from './target.js';
import { banglejs1 } from './banglejs1.js';
import { banglejs2 } from './banglejs2.js';
import { browser } from './browser.js';
import { duktape } from './duktape.js';
import { espruinoPico } from './espruino-pico.js';
import { espruinoWifi } from './espruino-wifi.js';
import { kalumaPico } from './kaluma-pico.js';
import { node } from './node.js';
import { puckjs } from './puckjs.js';
import { quickjsWatch } from './quickjs-watch.js';

export type { CostModel, EmulatorName, EngineName, ExecutionPlan, Target, Transport } from './target.js';

export const DEFAULT_TARGET = 'banglejs2';

const TARGETS: readonly Target[] = [
  banglejs2,
  banglejs1,
  puckjs,
  espruinoPico,
  espruinoWifi,
  kalumaPico,
  quickjsWatch,
  node,
  browser,
  duktape,
];

export function listTargets(): Target[] {
  return TARGETS.slice();
}

/** The target called `name`; throws naming the known ones if there is none. */
export function getTarget(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`mote: unknown target '${name}' (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
