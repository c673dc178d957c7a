// Where the lab's load generators may send load: this machine's loopback (127.0.0.0/8, ::1,
// localhost) or addresses the caller names explicitly — the lesson's floating IPs. Anything else is
// refused before a single request leaves, so a typo cannot flood someone else's server and a
// workshop never sends hundreds of requests to the lesson's 10.x fixed addresses, which are labels.
import { isIP } from 'node:net';
import { UserError } from '../shared/user-error.ts';

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.split('.')[0] === '127';
}

/**
 * The endpoint URLs, each checked: http(s), and a loopback host or one of `allowed` (exact
 * addresses, e.g. the floating IPs the lesson made). Throws a UserError naming the first refused one.
 */
export function checkTargets(endpoints: readonly string[], allowed: readonly string[] = []): string[] {
  if (endpoints.length === 0) {
    throw new UserError('No endpoint to send load to: give at least one faafo API URL.');
  }
  const allowedHosts = new Set(allowed.map((a) => a.replace(/^\[|\]$/g, '').toLowerCase()));
  return endpoints.map((endpoint) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UserError(`${endpoint} is not a URL; give the faafo API as http://ADDRESS:PORT.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(`${endpoint} is not an http(s) URL; give the faafo API as http://ADDRESS:PORT.`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!isLoopback(host) && !allowedHosts.has(host)) {
      throw new UserError(
        `Refusing to send load to ${host}: the lab sends load only to this machine (127.0.0.0/8, ::1) or to the lesson's floating IPs. Pass the floating IP as allowed if it is one.`,
      );
    }
    return endpoint.replace(/\/+$/, '');
  });
}
