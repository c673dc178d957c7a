// What the prompt says first (which cloud it is connected to, three lines to try) and what `.help`
// lists: every name the prompt holds, with one line on each.

export interface Preloaded {
  name: string;
  what: string;
}

export const PRELOADED: readonly Preloaded[] = [
  { name: 'conn', what: 'the cloud connection the steps use: await conn.listNodes(), …' },
  { name: 'steps', what: 'await steps.step2(), prelude() … step7(): as `faafo-tutor step N`' },
  { name: 'check', what: "await check(2): step 2's checks on the cloud as it is now" },
  { name: 'lab', what: "await lab.load('app-worker-1'): a node's load, live; lab.nodes()" },
  { name: 'faafo', what: "the app at a floating IP: await faafo.list('app-api-1'), .create(…)" },
];

export function bannerLines(version: string, cloud: string): string[] {
  return [
    `faafo-tutor ${version}: the lesson at a TypeScript prompt.`,
    `Connected to ${cloud}.`,
    'Try:',
    '  await steps.prelude()',
    '  await conn.listNodes()',
    "  await lab.load('app-worker-1')",
    'Type .help for what is preloaded; .exit or Ctrl-D leaves.',
  ];
}

export function helpLines(
  commands: ReadonlyArray<{ name: string; help: string }>,
  typesChecked: boolean,
): string[] {
  const width = Math.max(...PRELOADED.map((p) => p.name.length), ...commands.map((c) => c.name.length + 1));
  return [
    'Each input is TypeScript: top-level await works, a promise is awaited for you;',
    typesChecked
      ? 'its types are checked before it runs (as tslab does). Preloaded:'
      : 'its types are not checked (@types/node is not installed). Preloaded:',
    ...PRELOADED.map((p) => `  ${p.name.padEnd(width)}  ${p.what}`),
    'Commands:',
    ...commands.map((c) => `  ${`.${c.name}`.padEnd(width)}  ${c.help}`),
  ];
}
