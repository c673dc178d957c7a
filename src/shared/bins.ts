// The package's own programs, as files: the local cloud starts `faafo-tutor cloud serve` and its
// nodes' `faafo api|worker` and `faafo-tutor broker` as processes, and tests and benches run them
// the same way. Computed once here, from the package root (package-root.ts: never the cwd, and
// the same whether this runs from src/ or from the build in dist/).
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';

export { PACKAGE_ROOT };
/** `faafo`: the Fractals app (api, worker, create …). */
export const FAAFO_BIN = join(PACKAGE_ROOT, 'bin', 'faafo.mjs');
/** `faafo-tutor`: the lesson, the local cloud, the embedded broker. */
export const TUTOR_BIN = join(PACKAGE_ROOT, 'bin', 'faafo-tutor.mjs');
