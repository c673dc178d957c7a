// A step's code as a notebook cell holds it: the step file's default function, verbatim (only
// `export default` dropped), and the names the file imports, so the generator can import them in
// the notebook's first cell. The cell then runs that function through the step runner
// (`lesson.run`), the same function `faafo-tutor step N` imports from the file.

export interface StepSource {
  /** `async function step5(conn: Connection, …) { … }` as the file has it, with the comment above it. */
  fn: string;
  /** The function's name (`step5`, `prelude`). */
  name: string;
  /** Other top-level code before it (step 3's getFloatingIp), without imports and the header comment. */
  before: string;
  /** Imported names by module specifier, `type ` kept on type-only names. */
  imports: Map<string, string[]>;
}

const IMPORT = /^import\s+(type\s+)?(?:\{([^}]*)\}|(\w+))\s+from\s+'([^']+)';\n?/gm;
/** The default function with the comment lines right above it (they are about it). */
const DEFAULT_FN = /^((?:\/\/.*\n)*)export default (async function (\w+)\([\s\S]*)$/m;

export function stepSource(source: string, file: string): StepSource {
  const imports = new Map<string, string[]>();
  for (const [, typeOnly, names, single, from] of source.matchAll(IMPORT)) {
    const list = names
      ? names
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
          .map((n) => (typeOnly && !n.startsWith('type ') ? `type ${n}` : n))
      : [`default as ${single}`];
    imports.set(from!, [...(imports.get(from!) ?? []), ...list]);
  }
  const match = DEFAULT_FN.exec(source);
  if (!match)
    throw new Error(
      `${file} has no \`export default async function\`: a step's code is its default function.`,
    );
  const rest = source.slice(0, match.index).replace(IMPORT, '');
  // The header comment (the file's first lines) is the notebook's markdown, not code.
  const before = rest.replace(/^(\/\/.*\n)+/, '').trim();
  return { fn: `${match[1]}${match[2]!.trim()}`, name: match[3]!, before, imports };
}
