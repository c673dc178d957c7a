// The names the prompt starts with (./banner.ts says what each is): the cloud connection the prompt
// made, the lesson's steps and checks on that same cloud, the lab's instruments and the app's client.
// Built here as plain values; the REPL copies them into its context.
import type { Connection } from '../cloud/driver.ts';
import { faafoAtPrompt } from './faafo.ts';
import { labAtPrompt } from './lab.ts';
import { type LessonTarget, lessonCheck, lessonSteps, type Write } from './lesson.ts';

/**
 * The same names' types, for the type check (./type-check.ts): TypeScript types, paths relative to the
 * package root, read from the sources that make the values.
 */
export const PRELOADED_TYPES: Record<string, string> = {
  conn: "import('./src/cloud/driver.ts').Connection",
  steps: "import('./src/repl/lesson.ts').Steps",
  check: '(step: number | string) => Promise<boolean>',
  lab: "import('./src/repl/lab.ts').LabAtPrompt",
  faafo: "import('./src/repl/faafo.ts').FaafoAtPrompt",
};

/** Declarations the types above need that no import reaches (pkgcloud has no types of its own). */
export const AMBIENT_TYPES = ['src/cloud/pkgcloud.d.ts'];

export function preloadedValues(
  conn: Connection,
  target: LessonTarget,
  write: Write,
): Record<string, unknown> {
  return {
    conn,
    steps: lessonSteps(target, write),
    check: lessonCheck(target, write),
    lab: labAtPrompt(conn, write),
    faafo: faafoAtPrompt(conn),
  };
}
