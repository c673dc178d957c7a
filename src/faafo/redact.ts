// Secrets never reach a log line or an error message: URLs are shown with their password masked.
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL we can parse: mask anything that looks like user:password@.
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** Masks every URL-embedded password inside a longer text (error messages from drivers). */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s/]*@/gi, '$1:***@');
}
