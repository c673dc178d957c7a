// The prompt's type check: an input with a type error (`const n: number = 'x'`, `conn.listNode()`,
// `lab.load('app-worker-1', { secs: 3 })`) is not run, and its first error prints as one line, as
// tslab does in the notebooks. TypeScript's language service checks one virtual file in the package
// root: the preloaded names' declarations (their types read from our own sources), every earlier input
// that ran — each as an async function of its own, whose declared names are re-declared outside it with
// the types TypeScript inferred there — and the input itself, last; only errors in the input count.
// The first check loads the types (about a second); later ones take tens of milliseconds.
//
// Off when Node's types (@types/node, a development dependency) are not installed: without them
// `console` or `setTimeout` would be errors.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

export interface TypeCheck {
  /** The input's first type error as one line, or undefined when it has none. */
  check(input: string): string | undefined;
  /** An input that ran: what it declared is there, with its types, for the next ones. */
  remember(input: string): void;
  /** Back to the preloaded names alone (`.clear` gave the prompt a fresh context). */
  forget(): void;
}

/** The names a statement list declares at its top level, and the type declarations among them. */
function declared(input: string): { names: string[]; types: Array<[string, string]> } {
  const file = ts.createSourceFile('input.ts', input, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const names: string[] = [];
  const types: Array<[string, string]> = [];
  const bound = (name: ts.BindingName): string[] =>
    ts.isIdentifier(name)
      ? [name.text]
      : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bound(e.name)));
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement))
      for (const d of statement.declarationList.declarations) names.push(...bound(d.name));
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name)
      names.push(statement.name.text);
    else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement))
      types.push([statement.name.text, statement.getText()]);
  }
  return { names, types };
}

/**
 * Codes 7000–7999 say a type is implicitly `any` (`function f(a) {}`), a label is unused, code is
 * unreachable: worth a warning in a project, not a refusal at a prompt that is for trying things.
 */
const refuses = (diagnostic: ts.Diagnostic) => diagnostic.code < 7000 || diagnostic.code >= 8000;

/** TypeScript prints a type in full; an object type of thirty methods is no one-line message. */
const shortTypes = (message: string) => message.replace(/'\{[^']{40,}\}'/g, "'{ … }'");

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  allowImportingTsExtensions: true,
  // With noImplicitAny, `const xs = []; xs.push(1)` is fine (an array that evolves); the errors
  // about implicit any themselves are dropped below.
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

/**
 * A checker for inputs in the context `preloaded` declares (`declare var conn: …;` lines, paths
 * relative to `root`, the package root); undefined when Node's types are not installed.
 */
export function createTypeCheck(
  root: string,
  preloaded: Record<string, string>,
  ambient: string[] = [],
): TypeCheck | undefined {
  try {
    createRequire(join(root, 'package.json')).resolve('@types/node/package.json');
  } catch {
    return undefined;
  }
  const path = join(root, '.faafo-prompt-input.ts');
  /** Earlier inputs that declared something, each as a function, by the function's name. */
  const earlier = new Map<string, string>();
  /** Which function each name's type is read from (names declared by earlier inputs). */
  const declaredBy = new Map<string, string>();
  /** Interfaces and type aliases of earlier inputs, by name: the later one of a name wins. */
  const hoistedTypes = new Map<string, string>();
  /** Each name's declaration as the inputs so far leave it: a preloaded type, or an earlier input's. */
  const preloadedLines = () =>
    Object.entries(preloaded).map(([name, type]): [string, string] => [
      name,
      `declare var ${name}: ${type};`,
    ]);
  const declarations = new Map(preloadedLines());
  let text = '';
  let version = 0;
  let count = 0;
  const read = (file: string) => (file === path ? text : ts.sys.readFile(file));
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [path, ...ambient.map((a) => join(root, a))],
    getScriptVersion: (file) => (file === path ? String(version) : '0'),
    getScriptSnapshot: (file) => {
      const content = read(file);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => COMPILER_OPTIONS,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: (file) => file === path || ts.sys.fileExists(file),
    readFile: read,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());

  return {
    check(input) {
      const own = declared(input);
      const mine = new Set([...own.names, ...own.types.map(([name]) => name)]);
      const outside = [...declarations].filter(([name]) => !mine.has(name)).map(([, line]) => line);
      const types = [...hoistedTypes].filter(([name]) => !mine.has(name)).map(([, type]) => type);
      // Only the functions some name still takes its type from: an input whose names were all
      // declared again since is no longer checked, so a long session stays quick.
      const live = new Set([...declaredBy].filter(([name]) => !mine.has(name)).map(([, fn]) => fn));
      const functions = [...earlier].filter(([fn]) => live.has(fn)).map(([, body]) => body);
      const before = [...types, ...functions, ...outside, ''].join('\n');
      text = `${before}${input}\nexport {};\n`;
      version += 1;
      const first = service
        .getSemanticDiagnostics(path)
        .find(
          (d) =>
            refuses(d) &&
            d.start !== undefined &&
            d.start >= before.length &&
            d.start <= before.length + input.length,
        );
      if (!first) return undefined;
      const at = input.slice(0, first.start! - before.length).split('\n');
      const message = shortTypes(ts.flattenDiagnosticMessageText(first.messageText, ' ')).replace(/\.$/, '');
      return `${message} (line ${at.length}, column ${at.at(-1)!.length + 1}).`;
    },
    forget() {
      earlier.clear();
      declaredBy.clear();
      hoistedTypes.clear();
      declarations.clear();
      for (const [name, line] of preloadedLines()) declarations.set(name, line);
    },
    remember(input) {
      const { names, types } = declared(input);
      for (const [name, type] of types) hoistedTypes.set(name, type);
      const unique = [...new Set(names)];
      if (unique.length === 0) return;
      count += 1;
      const fn = `__faafoInput${count}`;
      earlier.set(fn, `async function ${fn}() {\n${input}\n;return { ${unique.join(', ')} };\n}`);
      for (const name of unique) {
        declarations.set(name, `declare var ${name}: Awaited<ReturnType<typeof ${fn}>>['${name}'];`);
        declaredBy.set(name, fn);
      }
    },
  };
}
