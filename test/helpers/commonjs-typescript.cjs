// @ts-nocheck: a CommonJS require hook run by node directly; the project is type-checked as ESM.
// `node --require ./test/helpers/commonjs-typescript.cjs …`: every .ts file that is require()d is
// compiled to CommonJS by TypeScript itself, one file at a time — as tslab compiles a notebook's
// cells and the local .ts files they import — and run as CommonJS. Unlike tsx, nothing is
// polyfilled: `import.meta` and top-level await fail here as they fail in a notebook.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  module._compile(outputText, filename);
};
