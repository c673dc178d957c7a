// The package's version, as code: modules that notebooks load (compiled to CommonJS by tslab) can
// neither import package.json with attributes nor find it through import.meta. A test keeps it
// equal to package.json's.
export const VERSION = '0.1.0';
