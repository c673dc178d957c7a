// The lesson's chapters as the notebook generator reads them. Their one home is the tutor's
// steps/chapters.ts; until it is on this branch a stand-in with the same ids, titles and steps
// (./chapters-stand-in.ts) takes its place. Switching is the export line below:
//   export { CHAPTERS } from '../../../steps/chapters.ts';
import type { StepId } from '../../../steps/lesson.ts';

/** What the generator reads of a chapter (steps/chapters.ts's Chapter has these and more). */
export interface NotebookChapter {
  number: number;
  id: string;
  title: string;
  /** Paragraphs. */
  text: readonly string[];
  steps: readonly StepId[];
  /** Questions asked before a measurement (the tutor's predictions), shown before the chapter's cells. */
  predictions?: readonly { question: string; choices: readonly { label: string }[] }[];
  /** Things to do in a terminal, shown after them. */
  yourTurn?: readonly { task: string; commands: readonly string[] }[];
}

export { STAND_IN_CHAPTERS as CHAPTERS } from './chapters-stand-in.ts';
