// Engine selection: 'wasm' runs the hot ops in WebAssembly (src/wasm/accelerator.ts),
// 'js' runs the runtime's own kernels, 'auto' picks wasm when this host has WebAssembly
// and the target (if one is named) allows it. The device runtime never sees any of this:
// it only receives an accelerator, or none.
import { load, type LoadOptions, type Model } from '../runtime/model.js';
import type { Target } from '../../targets/target.js';
import { wasmAccelerator, type WasmAcceleratorOptions } from './accelerator.js';
import { webAssembly } from './instance.js';

export type EngineChoice = 'auto' | 'js' | 'wasm';
export const ENGINE_CHOICES: EngineChoice[] = ['auto', 'js', 'wasm'];

/** The engine `choice` resolves to here, for `target`; an impossible 'wasm' is an error. */
export function pickEngine(
  choice: EngineChoice,
  target?: Pick<Target, 'name' | 'hasWebAssembly'>,
): 'js' | 'wasm' {
  const hostHas = webAssembly() !== null;
  const targetAllows = target ? target.hasWebAssembly : true;
  if (choice === 'js') return 'js';
  if (choice === 'wasm') {
    if (!hostHas) throw new Error('mote: --engine wasm: this engine has no WebAssembly');
    if (!targetAllows) throw new Error(`mote: --engine wasm: target '${target!.name}' has no WebAssembly`);
    return 'wasm';
  }
  if (choice !== 'auto') throw new Error(`mote: unknown engine '${String(choice)}' (auto, js or wasm)`);
  return hostHas && targetAllows ? 'wasm' : 'js';
}

export interface EngineLoadOptions extends LoadOptions {
  engine?: EngineChoice;
  target?: Pick<Target, 'name' | 'hasWebAssembly'>;
  wasm?: WasmAcceleratorOptions;
}

/** The runtime's load() with the engine picked as above; `model.engine` says which ran. */
export function loadWithEngine(bytes: Uint8Array, options: EngineLoadOptions = {}): Model {
  const { engine = 'auto', target, wasm, ...rest } = options;
  const accelerator =
    pickEngine(engine, target) === 'wasm'
      ? wasmAccelerator({ memoryLimit: rest.memoryLimit, ...wasm })
      : undefined;
  return load(bytes, { ...rest, accelerator });
}
