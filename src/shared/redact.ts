// Secrets never reach a log line or an error message: every part of the product (the app, the local
// cloud's nodes and control, the CLIs) masks URL passwords the same way, so one rule lives here.

/** The URL with its password shown as `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL we can parse: mask anything that looks like user:password@.
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** Masks every URL-embedded password inside a longer text (driver errors, command lines, log lines). */
export function redactText(text: string): string {
  // The user part may be empty (amqp://:secret@host): the password is still a secret.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, '$1:***@');
}
