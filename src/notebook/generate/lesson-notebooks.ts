// The lesson as notebooks, one per chapter: the chapter's text, a first cell that connects, each
// step's own function with a cell that runs it, and cells that show the cloud (servers, security
// groups, fractals, a load chart). Made from the chapters (./chapters.ts), the manifest
// (steps/lesson.ts) and the step files' source; `npm run notebooks` writes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LESSON } from '../../../steps/lesson.ts';
import { CHAPTERS, type NotebookChapter } from './chapters.ts';
import { type Cell, code, markdown, type Notebook, notebook } from './notebook.ts';
import { type StepSource, stepSource } from './step-source.ts';

/** How a notebook imports the library (dist/notebook, resolved through node_modules/faafo-tutor). */
export const LIBRARY = 'faafo-tutor/dist/notebook';

/** What each chapter shows after its steps: our own markdown and one call on `lesson`. */
const SHOW: Record<string, readonly [string, string][]> = {
  preflight: [['The servers in your cloud now (none yet, on a fresh local cloud):', 'await lesson.nodes();']],
  'where-we-are': [['The two servers, their security groups, addresses and load:', 'await lesson.nodes();']],
  'overload-worker': [
    [
      "A batch of twelve 5000 × 5000 fractals on the one worker (about half a minute): the chart shows each node's 1-minute load and the backlog while it drains.",
      'await lesson.measure({ scale: 0.5, tasks: 12 });',
    ],
    ['And the servers afterwards — app-worker-1 carries the load:', 'await lesson.nodes();'],
  ],
  'overload-api': [["The API node's load, as Nova reports it:", 'await lesson.nodes();']],
  'scale-out': [
    ['The six servers of the scaled-out app:', 'await lesson.nodes();'],
    ['The security groups: who may reach which tier, on which port.', 'await lesson.groups();'],
  ],
  measure: [
    [
      'The same batch on three workers, measured the same way:',
      'await lesson.measure({ scale: 0.5, tasks: 12 });',
    ],
  ],
  'hands-on': [
    ['Fractals from the app, each with the worker that drew it:', 'await lesson.fractals(3);'],
    ['Every server back up after the drill:', 'await lesson.nodes();'],
  ],
  'wrap-up': [['Where the lesson leaves your cloud:', 'await lesson.nodes();']],
};

/** Each step file's source, read once. */
export function readSteps(root: string): Map<string, StepSource> {
  return new Map(LESSON.map((s) => [s.id, stepSource(readFileSync(join(root, s.file), 'utf8'), s.file)]));
}

/** The first cell: every name the steps import (from the library, or Node's own modules), then connect. */
export function setupCell(steps: ReadonlyMap<string, StepSource>): string {
  const library = new Set<string>();
  const builtins = new Map<string, Set<string>>();
  for (const source of steps.values()) {
    for (const [from, names] of source.imports) {
      if (from.startsWith('node:')) {
        const set = builtins.get(from) ?? new Set<string>();
        for (const n of names) set.add(n);
        builtins.set(from, set);
      } else {
        for (const n of names) library.add(n);
      }
    }
  }
  const sorted = (names: Iterable<string>) =>
    [...names].sort((a, b) => a.replace('type ', '').localeCompare(b.replace('type ', '')));
  return [
    "import * as tslab from 'tslab';",
    ...[...builtins.keys()]
      .sort()
      .map((from) => `import { ${sorted(builtins.get(from)!).join(', ')} } from '${from}';`),
    `import { openLesson, ${sorted(library).join(', ')} } from '${LIBRARY}';`,
    '',
    '// Your cloud: OS_CLOUD or the OS_* variables of the kernel, else the local cloud (started if needed).',
    'const lesson = await openLesson(tslab.display);',
  ].join('\n');
}

function stepCells(chapter: NotebookChapter, steps: ReadonlyMap<string, StepSource>): Cell[] {
  return chapter.steps.flatMap((id) => {
    const step = LESSON.find((s) => s.id === id)!;
    const source = steps.get(id)!;
    const helper = source.before
      ? `\n\nThe step also defines a helper the later steps use (the first cell imported it from the step):\n\n\`\`\`ts\n${source.before}\n\`\`\``
      : '';
    return [
      markdown(
        `${chapter.id}-${id}-text`,
        `### ${id}: ${step.title}\n\nFrom \`${step.file}\`, as \`faafo-tutor step ${id.replace('step-', '')}\` runs it; after it, the cloud is checked against what the lesson expects.${helper}`,
      ),
      code(`${chapter.id}-${id}`, `${source.fn}\n\nawait lesson.run('${id}', ${source.name});`),
    ];
  });
}

export function chapterNotebook(chapter: NotebookChapter, steps: ReadonlyMap<string, StepSource>): Notebook {
  const shows = (SHOW[chapter.id] ?? []).flatMap(([text, call], i) => [
    markdown(`${chapter.id}-show-${i}-text`, text),
    code(`${chapter.id}-show-${i}`, call),
  ]);
  const predictions = (chapter.predictions ?? []).map((p, i) =>
    markdown(
      `${chapter.id}-predict-${i}`,
      `**Before you run the cells below:** ${p.question}\n\n${p.choices.map((c) => `- ${c.label}`).join('\n')}`,
    ),
  );
  const yourTurn = (chapter.yourTurn ?? []).map((t, i) =>
    markdown(
      `${chapter.id}-your-turn-${i}`,
      `**Your turn:** ${t.task}\n\n\`\`\`sh\n${t.commands.join('\n')}\n\`\`\``,
    ),
  );
  return notebook([
    markdown(`${chapter.id}-intro`, `# ${chapter.number}. ${chapter.title}\n\n${chapter.text.join('\n\n')}`),
    markdown(
      `${chapter.id}-setup-text`,
      'Run this cell first (and again after restarting the kernel). Every other cell finds what it needs in the cloud, so you can run them again, in any order.',
    ),
    code(`${chapter.id}-setup`, setupCell(steps)),
    ...predictions,
    ...stepCells(chapter, steps),
    ...shows,
    ...yourTurn,
  ]);
}

/** File name → notebook, for every chapter. */
export function lessonNotebooks(root: string): Map<string, Notebook> {
  const steps = readSteps(root);
  return new Map(
    CHAPTERS.map((c) => [`${String(c.number).padStart(2, '0')}-${c.id}.ipynb`, chapterNotebook(c, steps)]),
  );
}
