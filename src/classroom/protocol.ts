// The join protocol between a student's tutor (or notebook) and the teacher's board, in one place:
// both sides parse with these schemas, so a field added here is added for both. A student reports
// progress only — the chapter, each check's outcome, predictions and the measured figures — never
// code, credentials or addresses beyond what a check says it saw (which is redacted and cut short).
//
// Routes (JSON bodies; errors are `{ "error": "<one sentence>" }` with a 4xx status):
//   POST /api/join                 { code, name }            → 201 JoinReply   (400, 403 wrong code, 409 name taken, 503 no room)
//   POST /api/events   Bearer <student token>  { events }     → 202 { accepted } (400 malformed: none kept, 401 stale token)
//   GET  /api/cloud/clouds.yaml | /api/cloud/openrc  Bearer <student token>  (shared cloud only; 404 otherwise)
//   GET  /api/class                Bearer <teacher token>     → ClassView
//   GET  /api/class/stream?token=<teacher token>              → server-sent events, one ClassView per change
//   GET  /                         the board's page (it asks for the teacher's token when the URL has none)
import { z } from 'zod';

/** What a student may be called on the board: a short display name, no control characters. */
export const studentName = z
  .string()
  .trim()
  .min(1, 'A name is needed: --name "Ada L."')
  .max(40, 'A name has at most 40 characters.')
  .regex(/^[^\p{Cc}<>]+$/u, 'A name may not hold control characters or < >.');

/** Join codes are six characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const joinCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(
    z.string().regex(/^[2-9A-HJKMNP-Z]{6}$/, 'A join code is six letters and digits, as the board shows it.'),
  );

export const joinRequest = z.object({ code: joinCode, name: studentName }).strict();
export type JoinRequest = z.infer<typeof joinRequest>;

export const joinReply = z.object({
  studentId: z.string(),
  /** Bearer token for /api/events and the student's cloud files; only this student holds it. */
  token: z.string(),
  /** The board's title, shown by the tutor when it joins. */
  room: z.string(),
  /** Whether the room has a shared cloud whose clouds.yaml / openrc this student may download. */
  sharedCloud: z.boolean(),
});
export type JoinReply = z.infer<typeof joinReply>;

const chapterNumber = z.number().int().min(0).max(99);
/** What a check saw, as the board shows it: one line, cut short. */
const shortText = z.string().max(300);

export const progressEvent = z.discriminatedUnion('type', [
  /** The student began a chapter. */
  z.object({ type: z.literal('chapter'), chapter: chapterNumber, title: z.string().max(120) }).strict(),
  /** One named check's outcome, with what it saw and its hint. */
  z
    .object({
      type: z.literal('check'),
      chapter: chapterNumber,
      id: z.string().max(80),
      label: z.string().max(120),
      ok: z.boolean(),
      saw: shortText,
      hint: shortText,
    })
    .strict(),
  z.object({ type: z.literal('chapter-done'), chapter: chapterNumber, skipped: z.boolean() }).strict(),
  z.object({ type: z.literal('chapter-failed'), chapter: chapterNumber, reason: shortText }).strict(),
  /** A prediction and what was measured (null when the student skipped the question). */
  z
    .object({
      type: z.literal('prediction'),
      chapter: chapterNumber,
      id: z.string().max(80),
      predicted: z.number().finite().nullable(),
      observed: z.number().finite(),
      unit: z.string().max(40),
    })
    .strict(),
  /** One figure of the before/after table (throughput, drain time, p99, errors, a node's peak load). */
  z
    .object({
      type: z.literal('figure'),
      figure: z.string().max(80),
      before: z.number().finite().nullable(),
      after: z.number().finite().nullable(),
      higherIsBetter: z.boolean(),
    })
    .strict(),
  z.object({ type: z.literal('finished'), outcome: z.enum(['completed', 'quit', 'failed']) }).strict(),
]);
export type ProgressEvent = z.infer<typeof progressEvent>;

/** At most this many events in one POST; a reporter sends what it has in batches. */
export const MAX_EVENTS_PER_POST = 200;
export const eventsRequest = z
  .object({ events: z.array(progressEvent).min(1).max(MAX_EVENTS_PER_POST) })
  .strict();
export type EventsRequest = z.infer<typeof eventsRequest>;

export const checkState = z.object({
  id: z.string(),
  chapter: z.number(),
  label: z.string(),
  state: z.enum(['passed', 'failed']),
  saw: z.string(),
  hint: z.string(),
});

/** One student as the teacher sees them. */
export const studentView = z.object({
  id: z.string(),
  name: z.string(),
  chapter: z.number(),
  chapterTitle: z.string(),
  /** When the student began the current chapter (ms since the epoch, the board's clock). */
  chapterSince: z.number(),
  /** When the board last heard from the student. */
  lastSeen: z.number(),
  checks: z.array(checkState),
  /** The latest failed check still not passed since, with its hint: who is stuck, and on what. */
  stuckOn: checkState.nullable(),
  predictions: z.array(
    z.object({
      chapter: z.number(),
      id: z.string(),
      predicted: z.number().nullable(),
      observed: z.number(),
      unit: z.string(),
    }),
  ),
  figures: z.array(
    z.object({
      figure: z.string(),
      before: z.number().nullable(),
      after: z.number().nullable(),
      higherIsBetter: z.boolean(),
    }),
  ),
  finished: z.enum(['completed', 'quit', 'failed']).nullable(),
});
export type StudentView = z.infer<typeof studentView>;

export const classView = z.object({
  room: z.string(),
  joinCode: z.string(),
  /** Students that still fit on the shared cloud's host (null without a shared cloud). */
  headroom: z.number().nullable(),
  students: z.array(studentView),
});
export type ClassView = z.infer<typeof classView>;

/** The error body of every refusal. */
export const errorReply = z.object({ error: z.string() });
