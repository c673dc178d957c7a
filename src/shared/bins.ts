// The package's own programs, as files: the local cloud starts `faafo-tutor cloud serve` and its
// nodes' `faafo api|worker` and `faafo-tutor broker` as processes, and tests and benches run them
// the same way. Computed once here, from this file's place in the package (never the cwd).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json and bin/ are). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `faafo`: the Fractals app (api, worker, create …). */
export const FAAFO_BIN = join(PACKAGE_ROOT, 'bin', 'faafo.mjs');
/** `faafo-tutor`: the lesson, the local cloud, the embedded broker. */
export const TUTOR_BIN = join(PACKAGE_ROOT, 'bin', 'faafo-tutor.mjs');
