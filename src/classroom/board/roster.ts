// The board's one piece of mutable state: who joined (in order), their views, their tokens' secrets and
// the cloud each was given, and the names taken. Every change goes through here and is announced to the
// listeners (the class stream), so nothing else holds a copy that could drift. One roster per board.
import type { ProgressEvent, StudentView } from '../protocol.ts';
import type { StudentCloud } from '../room-cloud.ts';
import { sameSecret, splitStudentToken } from './codes.ts';
import type { SavedStudent } from './saved-board.ts';
import { applyEvents, newStudent } from './state.ts';

interface Member {
  view: StudentView;
  secret: string;
  cloud: StudentCloud | undefined;
}

/** Names compare as people read them: "ada" and "Ada " are the same student. */
const nameKey = (name: string) => name.trim().toLocaleLowerCase('en');

export class Roster {
  readonly #members = new Map<string, Member>();
  /** Names of students who joined or are joining (a join waits on the room's cloud). */
  readonly #names = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #headroom: number | null = null;

  /** A roster taken up again from a saved board (--resume): the same students, tokens and names. */
  constructor(saved: readonly SavedStudent[] = []) {
    for (const { view, secret, cloud } of saved) {
      this.#members.set(view.id, { view, secret, cloud });
      this.#names.add(nameKey(view.name));
    }
  }

  /** What a saved board keeps: every student, in the order they joined. */
  snapshot(): SavedStudent[] {
    return [...this.#members.values()].map(({ view, secret, cloud }) => ({
      view,
      secret,
      ...(cloud ? { cloud } : {}),
    }));
  }

  /** Holds the name for a join in progress; false when someone has it already. */
  reserveName(name: string): boolean {
    const key = nameKey(name);
    if (this.#names.has(key)) return false;
    this.#names.add(key);
    return true;
  }

  /** Gives back a name whose join failed. */
  releaseName(name: string): void {
    this.#names.delete(nameKey(name));
  }

  has(studentId: string): boolean {
    return this.#members.has(studentId);
  }

  /** A student whose name was reserved joins. */
  add(
    student: { id: string; name: string; secret: string; cloud: StudentCloud | undefined },
    now: number,
  ): void {
    this.#members.set(student.id, {
      view: newStudent(student.id, student.name, now),
      secret: student.secret,
      cloud: student.cloud,
    });
    this.#changed();
  }

  /** The student a token belongs to, or undefined (unknown, stale or malformed). */
  studentOf(token: string | undefined): string | undefined {
    const parts = token === undefined ? undefined : splitStudentToken(token);
    const member = parts && this.#members.get(parts.studentId);
    return member && parts && sameSecret(parts.secret, member.secret) ? parts.studentId : undefined;
  }

  /** Applies a batch, already validated whole, to one student. */
  apply(studentId: string, events: readonly ProgressEvent[], now: number): void {
    const member = this.#members.get(studentId);
    if (!member) throw new Error(`There is no student ${studentId} on this board.`);
    member.view = applyEvents(member.view, events, now);
    this.#changed();
  }

  cloudOf(studentId: string): StudentCloud | undefined {
    return this.#members.get(studentId)?.cloud;
  }

  /** Every student, in the order they joined. */
  students(): StudentView[] {
    return [...this.#members.values()].map((m) => m.view);
  }

  get size(): number {
    return this.#members.size;
  }

  get headroom(): number | null {
    return this.#headroom;
  }

  set headroom(value: number | null) {
    if (value === this.#headroom) return;
    this.#headroom = value;
    this.#changed();
  }

  /** Calls `listener` after every change; returns the way to stop. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Something outside the roster changed what the view shows (the clock made a student stuck). */
  touch(): void {
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
