// The board's secrets: the join code a teacher reads out to the room, the teacher's token that opens
// the board, and each student's token that lets only that student's tutor report for them. All come
// from the crypto random source; tokens are compared in constant time, so a wrong guess tells an
// attacker nothing about how close it was.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { JOIN_CODE_ALPHABET } from '../protocol.ts';

const CODE_LENGTH = 6;

/** Six characters from the protocol's alphabet (no look-alikes), uniformly at random. */
export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}

/** 192 random bits, URL-safe (it travels in a URL fragment and an Authorization header). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether two secrets are equal, in time that depends on neither (both hashed to the same length first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A student's token names the student (`<id>.<secret>`) so the board finds them without comparing the
 * secret against every student's, then compares only that one in constant time.
 */
export function studentToken(studentId: string, secret: string): string {
  return `${studentId}.${secret}`;
}

/** The student id and secret of a token, or undefined when it has not that shape. */
export function splitStudentToken(token: string): { studentId: string; secret: string } | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1) return undefined;
  return { studentId: token.slice(0, dot), secret: token.slice(dot + 1) };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
