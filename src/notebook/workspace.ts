// The learner's working folder for the notebooks: copies of the package's notebooks (the package's
// own are never edited; a copy the learner changed is kept), and node_modules/faafo-tutor linking
// back to the package, so `import … from 'faafo-tutor/dist/notebook'` resolves from there.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Workspace {
  dir: string;
  copied: string[];
  kept: string[];
}

export function prepareWorkspace(packageRoot: string, dir: string): Workspace {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const copied: string[] = [];
  const kept: string[] = [];
  for (const name of readdirSync(join(packageRoot, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort()) {
    if (existsSync(join(dir, name))) kept.push(name);
    else {
      copyFileSync(join(packageRoot, 'notebooks', name), join(dir, name));
      copied.push(name);
    }
  }
  const link = join(dir, 'node_modules', 'faafo-tutor');
  if (lstatSync(link, { throwIfNoEntry: false })) rmSync(link, { recursive: true, force: true });
  symlinkSync(packageRoot, link, 'dir');
  return { dir, copied, kept };
}
