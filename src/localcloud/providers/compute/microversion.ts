// Compute microversion negotiation as Nova's wsgi layer does it: the version a request asks for
// (`OpenStack-API-Version: compute X.Y`, else the legacy `X-OpenStack-Nova-API-Version: X.Y`, either
// may say `latest`; none means 2.1), refused with Nova's 400 when malformed and its 406 when outside
// min..max, and answered in both headers with `Vary` so caches keep versions apart. Routes that
// behave per version ask `microversionOf(request)`; the numbers they compare with are Nova's.
//
// What each client sends (seen in their request logs against this cloud):
// - libcloud 3.4 and pkgcloud: no header (2.1).
// - the OSC 6.0: novaclient's server, quota and limits commands `X-OpenStack-Nova-API-Version: 2.1`;
//   its SDK-backed flavor, keypair and console commands both headers at min(our max, 2.61 / 2.10 / 2.73).
// - openstacksdk 0.101 (cloud and proxy layers): `GET /v2.1` first, then both headers at
//   min(our max, the resource's own max): servers 2.73, flavors 2.61, keypairs 2.10, limits 2.57,
//   quota sets 2.56, server interfaces 2.70, remote consoles 2.8. So with our max 2.47 it runs
//   servers, flavors, limits and quotas at 2.47 and keypairs at 2.10.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { novaError, OpenStackError } from '../../errors.ts';
import { badRequest } from './context.ts';

export interface Microversion {
  major: number;
  minor: number;
}

export const MIN_MICROVERSION: Microversion = { major: 2, minor: 1 };
/**
 * The highest microversion served: 2.47, the first at which a server shows its flavor embedded,
 * which is how openstacksdk and the OSC 7 read a server. The changes from 2.2 to 2.47 that touch
 * what this cloud serves to a project member are applied (keypair types 2.2, `locked` 2.9,
 * `description` 2.19, `tags` 2.26, the network proxies and network limits gone 2.36, `networks`
 * auto/none 2.37, unknown status filters refused 2.38, image-metadata limit gone 2.39, the
 * floating-IP actions gone 2.44, the flavor embedded 2.47); not served at any version: admin-only
 * fields (2.3, 2.16), network `tag`s (2.32, 2.42), keypair `user_id` and paging (2.10, 2.35).
 * Not 2.48: it changes the server diagnostics to a standard shape that diagnostics.ts does not serve.
 */
export const MAX_MICROVERSION: Microversion = { major: 2, minor: 47 };

export const microversionText = (v: Microversion) => `${v.major}.${v.minor}`;

const VERSION_STRING = /^([1-9]\d*)\.([1-9]\d*|0)$/;

type Headers = FastifyRequest['headers'];

/** The version string the request names, as microversion_parse finds it (modern header first). */
export function askedVersion(headers: Headers): string | undefined {
  const modern = headers['openstack-api-version'];
  for (const entry of String(modern ?? '').split(',')) {
    const [service, version] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version) return version;
  }
  const legacy = headers['x-openstack-nova-api-version'];
  const text = legacy === undefined ? '' : String(legacy).trim();
  return text === '' ? undefined : text;
}

const compare = (a: Microversion, b: Microversion) => a.major - b.major || a.minor - b.minor;

/** The version this request is served at, or Nova's 400 (malformed) or 406 (outside min..max). */
export function negotiateMicroversion(headers: Headers): Microversion {
  const asked = askedVersion(headers);
  if (asked === undefined) return MIN_MICROVERSION;
  if (asked.toLowerCase() === 'latest') return MAX_MICROVERSION;
  const match = VERSION_STRING.exec(asked);
  if (!match) {
    throw badRequest(
      `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  }
  const version = { major: Number(match[1]), minor: Number(match[2]) };
  if (compare(version, MIN_MICROVERSION) < 0 || compare(version, MAX_MICROVERSION) > 0) {
    throw new OpenStackError(
      novaError(
        406,
        'computeFault',
        `Version ${microversionText(version)} is not supported by the API. ` +
          `Minimum is ${microversionText(MIN_MICROVERSION)} and maximum is ${microversionText(MAX_MICROVERSION)}.`,
      ),
    );
  }
  return version;
}

/** The hook every /v2.1 route runs first: refuse what Nova refuses, answer the version used. */
export async function answerMicroversion(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const version = microversionText(negotiateMicroversion(request.headers));
  reply.header('openstack-api-version', `compute ${version}`);
  reply.header('x-openstack-nova-api-version', version);
  reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

/** The version a request is served at (its headers already passed answerMicroversion). */
export const microversionOf = (request: FastifyRequest) => negotiateMicroversion(request.headers);

/** True when the request's version is 2.`minor` or later: the test Nova's `api_version` decorators make. */
export const atLeast = (request: FastifyRequest, minor: number) =>
  compare(microversionOf(request), { major: 2, minor }) >= 0;

/** What Nova answers for a route or action its version no longer has (VersionNotFoundForAPIMethod). */
export const removedAtThisVersion = () =>
  new OpenStackError(novaError(404, 'itemNotFound', 'The resource could not be found.'));

/**
 * An onRequest hook for Nova's proxies to other services, gone from 2.`minor` (404 as Nova answers
 * a method its version does not have). `kept` names the routes of the same module that stay.
 */
export function proxyRemovedFrom(minor: number, kept: (routeUrl: string) => boolean = () => false) {
  return async (request: FastifyRequest) => {
    if (atLeast(request, minor) && !kept(request.routeOptions.url ?? '')) throw removedAtThisVersion();
  };
}
