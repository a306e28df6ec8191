// The optional packages (training, reference engines, the bundled digits) are not part of a
// light install: a command that needs one checks for it first and says exactly what to
// install, instead of failing deep inside with ERR_MODULE_NOT_FOUND.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What each optional package is for, as the message says it. */
export const OPTIONAL = {
  tfjs: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  mnist: ['mnist'],
  onnxruntime: ['onnxruntime-web'],
} as const;

export class MissingPackageError extends Error {
  constructor(
    readonly packages: string[],
    what: string,
  ) {
    super(
      `mote: ${what} needs ${packages.join(' and ')}, not installed (an optional dependency of mote); ` +
        `install it with: npm install ${packages.join(' ')}`,
    );
    this.name = 'MissingPackageError';
  }
}

/** Can this package be found from mote's own folder? (`resolve` is injectable for tests.) */
export function installed(pkg: string, resolve: (id: string) => string = require.resolve): boolean {
  try {
    // The package's manifest: present for every package, whatever its exports map says.
    resolve(`${pkg}/package.json`);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A package whose exports map hides package.json is still installed.
    return code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/** Throws MissingPackageError naming the packages of `packages` that are not installed. */
export function needPackages(
  packages: readonly string[],
  what: string,
  resolve?: (id: string) => string,
): void {
  const missing = packages.filter((p) => !installed(p, resolve));
  if (missing.length) throw new MissingPackageError(missing, what);
}

/** needPackages, then the module that uses them (loaded only now). */
export async function withPackages<T>(
  packages: readonly string[],
  what: string,
  load: () => Promise<T>,
): Promise<T> {
  needPackages(packages, what);
  return load();
}
