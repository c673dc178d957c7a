// The lesson's chapters as the notebook generator reads them: the one list in steps/chapters.ts,
// which the tutor reads too, seen through the fields a notebook needs.
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

export { CHAPTERS } from '../../../steps/chapters.ts';
