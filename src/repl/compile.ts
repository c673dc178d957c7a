// One input of the REPL, TypeScript → a JavaScript script to run in the prompt's context. TypeScript's
// own transpiler strips the types (./type-check.ts checks them, before this runs). The result is
// always one async function called at once, so
// top-level `await` works in every input; what the input declares at its top level (const, let, var,
// functions, classes) is hoisted out of that function as a `var` of the context, so a later input sees
// it and a learner can run `const nodes = await conn.listNodes()` again without "already declared".
// The last expression is the function's value, the input's result. An input that stops in the middle
// (an open brace, parenthesis or template) is `incomplete`: the prompt asks for the next line.
import ts from 'typescript';

export type Compiled =
  /** `source`: the TypeScript that was compiled (the input, or `{ a: 1 }` as an object in parentheses). */
  | { kind: 'script'; code: string; source: string }
  /** The input ends inside a statement: read another line and compile them together. */
  | { kind: 'incomplete' }
  /** A syntax error, as one line. */
  | { kind: 'error'; message: string };

/** Errors at the very end of the input that a further line can still fix. */
const UNFINISHED = new Set([
  1005, // 'x' expected (a closing brace, parenthesis, bracket)
  1109, // Expression expected (`const x =`)
  1010, // '*/' expected
  1160, // Unterminated template literal
  1126, // Unexpected end of text
]);

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Every input is a module to the parser, so `await` at the top level is an await.
  moduleDetection: ts.ModuleDetectionKind.Force,
  // Keep imports and exports as written, so they are found below and refused in a sentence.
  verbatimModuleSyntax: true,
};

function transpile(source: string): { js: string; diagnostics: readonly ts.Diagnostic[] } {
  const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: COMPILER_OPTIONS });
  return { js: out.outputText, diagnostics: out.diagnostics ?? [] };
}

/** `{ a: 1 }` alone is an object to a learner, not a block with a label (as in Node's own REPL). */
function asObjectLiteral(source: string): string | undefined {
  const trimmed = source.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  const wrapped = `(${trimmed})`;
  return transpile(wrapped).diagnostics.length === 0 ? wrapped : undefined;
}

/** The names a declaration binds: `a`, or every name in `{ a, b: [c] }`. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) =>
    ts.isOmittedExpression(element) ? [] : boundNames(element.name),
  );
}

function position(diagnostic: ts.Diagnostic): string {
  if (!diagnostic.file || diagnostic.start === undefined) return '';
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return ` (line ${line + 1}, column ${character + 1})`;
}

/** The hoisted declarations and the function's body for the transpiled statements. */
function rewrite(js: string): string {
  const file = ts.createSourceFile('input.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const statements = file.statements.filter((s) => !ts.isExportDeclaration(s));
  const hoisted: string[] = [];
  const body: string[] = [];
  statements.forEach((statement, index) => {
    const last = index === statements.length - 1;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        hoisted.push(...boundNames(declaration.name));
        if (!declaration.initializer) continue;
        const target = declaration.name.getText();
        const value = declaration.initializer.getText();
        // A pattern on the left of `=` must be in parentheses, or `{` opens a block.
        body.push(ts.isIdentifier(declaration.name) ? `${target} = ${value};` : `(${target} = ${value});`);
      }
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      hoisted.push(statement.name.text);
      body.push(`${statement.name.text} = ${statement.getText()};`);
    } else if (last && ts.isExpressionStatement(statement)) {
      body.push(`return (${statement.expression.getText()});`);
    } else {
      body.push(statement.getText());
    }
  });
  const declared = hoisted.length > 0 ? `var ${[...new Set(hoisted)].join(', ')};\n` : '';
  return `${declared}(async () => {\n${body.join('\n')}\n})()`;
}

/** The script for one input (possibly several lines), or why there is none yet. */
export function compileInput(input: string): Compiled {
  if (input.trim() === '') return { kind: 'script', code: 'undefined', source: input };
  const source = asObjectLiteral(input) ?? input;
  const parsed = ts.createSourceFile('input.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const { js, diagnostics } = transpile(source);
  const first = diagnostics[0];
  if (first) {
    const atEnd = (first.start ?? 0) >= source.trimEnd().length;
    if (atEnd && UNFINISHED.has(first.code)) return { kind: 'incomplete' };
    const text = ts.flattenDiagnosticMessageText(first.messageText, ' ');
    return { kind: 'error', message: `${text.replace(/\.$/, '')}${position(first)}.` };
  }
  const moduleSyntax = parsed.statements.find(
    (s) =>
      ts.isImportDeclaration(s) ||
      ts.isImportEqualsDeclaration(s) ||
      ts.isExportDeclaration(s) ||
      ts.isExportAssignment(s) ||
      (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
  );
  if (moduleSyntax) {
    return {
      kind: 'error',
      message:
        ts.isImportDeclaration(moduleSyntax) || ts.isImportEqualsDeclaration(moduleSyntax)
          ? "import is not available at the prompt; load a module with `const m = await import('name')`."
          : 'export means nothing at the prompt; declare the name alone (`const x = …`).',
    };
  }
  return { kind: 'script', code: rewrite(js), source };
}
