// The package's root directory (package.json, bin/), from this module's own place, never the cwd.
// The same module runs as src/shared/package-root.ts (tests, tsx) and as
// dist/src/shared/package-root.js (the build mirrors the tree one level down, see
// tsconfig.build.json), so the root is two or three levels up depending on which one is running.
import { fileURLToPath } from 'node:url';

const up = import.meta.url.endsWith('.ts') ? '../../' : '../../../';

export const PACKAGE_ROOT = fileURLToPath(new URL(up, import.meta.url));
