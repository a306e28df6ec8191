// The text syntax of `mote train --arch`: presets and layer specs such as
// `dense:64,relu,dense:32,relu` or `conv1d:8x5,relu,maxpool:2,dense:16`. No TensorFlow.js
// here, so the CLI's help can quote it without loading the trainer.

export const ARCH_PRESETS: Record<string, string> = {
  mlp: 'dense:32,relu,dense:16,relu',
  conv1d: 'conv1d:8x5,relu,maxpool:2,conv1d:16x5,relu,maxpool:2,dense:16,relu',
  conv2d: 'conv2d:8x3,relu,maxpool:2,conv2d:16x3,relu,maxpool:2,dense:32,relu',
};

export const ARCH_SYNTAX = `dense:N | relu | conv1d:FxK | conv2d:FxK | maxpool:P | avgpool:P, comma-separated`;

export type Layer =
  | { kind: 'dense'; units: number }
  | { kind: 'relu' }
  | { kind: 'conv1d' | 'conv2d'; filters: number; kernel: number }
  | { kind: 'maxpool' | 'avgpool'; size: number };

export function parseArch(spec: string): Layer[] {
  const text = ARCH_PRESETS[spec] ?? spec;
  const fail = (token: string, why: string): never => {
    throw new Error(
      `mote: --arch '${spec}': '${token}' ${why} (syntax: ${ARCH_SYNTAX}; presets: ${Object.keys(ARCH_PRESETS).join(', ')})`,
    );
  };
  const whole = (token: string, s: string | undefined): number => {
    const n = Number(s);
    return Number.isInteger(n) && n >= 1 && n <= 4096 ? n : fail(token, 'needs whole numbers from 1 to 4096');
  };
  return text.split(',').map((raw): Layer => {
    const token = raw.trim();
    const [name, arg] = token.split(':');
    switch (name) {
      case 'relu':
        return arg === undefined ? { kind: 'relu' } : fail(token, 'takes no argument');
      case 'dense':
        return { kind: 'dense', units: whole(token, arg) };
      case 'conv1d':
      case 'conv2d': {
        const m = /^(\d+)x(\d+)$/.exec(arg ?? '');
        if (!m) return fail(token, 'needs filters x kernel, as conv1d:8x5');
        return { kind: name, filters: whole(token, m[1]), kernel: whole(token, m[2]) };
      }
      case 'maxpool':
      case 'avgpool':
        return { kind: name, size: whole(token, arg) };
      default:
        return fail(token, 'is not a layer');
    }
  });
}
