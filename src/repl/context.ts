// The names the prompt starts with (./banner.ts says what each is): the cloud connection the prompt
// made, the lesson's steps and checks on that same cloud, the lab's instruments and the app's client.
// Built here as plain values; the REPL copies them into its context.
import type { Connection } from '../cloud/driver.ts';
import { faafoAtPrompt } from './faafo.ts';
import { labAtPrompt } from './lab.ts';
import { type LessonTarget, lessonCheck, lessonSteps, type Write } from './lesson.ts';

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
