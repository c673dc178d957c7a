// `npm run notebooks` writes notebooks/*.ipynb from the lesson (src/notebook/generate/);
// `npm run notebooks:check` (CI) fails when a committed notebook differs from what that makes —
// a hand edit, or a step changed without regenerating.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonNotebooks } from '../src/notebook/generate/lesson-notebooks.ts';
import { serialize } from '../src/notebook/generate/notebook.ts';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(ROOT, 'notebooks');
const check = process.argv.includes('--check');

const wanted = new Map([...lessonNotebooks(ROOT)].map(([name, nb]) => [name, serialize(nb)]));
if (check) {
  const present = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.ipynb')) : [];
  const stale = [...wanted].filter(
    ([name, text]) => !existsSync(join(DIR, name)) || readFileSync(join(DIR, name), 'utf8') !== text,
  );
  const extra = present.filter((f) => !wanted.has(f));
  if (stale.length > 0 || extra.length > 0) {
    console.error(
      `notebooks/ is not what the generator makes (${[...stale.map(([n]) => `${n} differs`), ...extra.map((n) => `${n} is not generated`)].join(', ')}): run \`npm run notebooks\` and commit the result; never edit a notebook by hand.`,
    );
    process.exit(1);
  }
  console.log(`notebooks/ is up to date (${wanted.size} notebooks).`);
} else {
  mkdirSync(DIR, { recursive: true });
  for (const [name, text] of wanted) writeFileSync(join(DIR, name), text);
  console.log(`wrote ${wanted.size} notebooks to notebooks/`);
}
