// nbformat 4 as the generator writes it: markdown and code cells with stable ids, no outputs, the
// tslab kernelspec, serialized the way Jupyter does (one-space indent, a trailing newline), so
// generating twice gives the same bytes and `notebooks:check` can compare them.

export interface Cell {
  cell_type: 'markdown' | 'code';
  id: string;
  metadata: Record<string, never>;
  source: string[];
  execution_count?: null;
  outputs?: [];
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: 4;
  nbformat_minor: 5;
}

/** Jupyter's source: lines, each but the last with its newline. */
const lines = (text: string) => text.split(/(?<=\n)/);

export function markdown(id: string, text: string): Cell {
  return { cell_type: 'markdown', id, metadata: {}, source: lines(text.trim()) };
}

export function code(id: string, text: string): Cell {
  return {
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source: lines(text.trim()),
  };
}

export function notebook(cells: Cell[]): Notebook {
  return {
    cells,
    metadata: {
      kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
      language_info: { file_extension: '.ts', mimetype: 'text/typescript', name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export const serialize = (nb: Notebook) => `${JSON.stringify(nb, null, 1)}\n`;
