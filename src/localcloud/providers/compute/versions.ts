// Version discovery, served without a token (the gateway's PUBLIC_ROUTES): GET / lists v2.0 and
// v2.1; GET /v2.1 is the document the OSC's SDK reads before flavor, keypair and console commands.
// Only microversion 2.1 is advertised, because only 2.1 is implemented (spec §9).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { novaError, OpenStackError } from '../../errors.ts';
import { badRequest, linkBases } from './context.ts';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.1';

const MEDIA = (version: string) => [
  { base: 'application/json', type: `application/vnd.openstack.compute+json;version=${version}` },
];
const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

function versionsOf(root: string) {
  return {
    'v2.0': {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      self: `${root}/v2/`,
      media: MEDIA('2'),
    },
    'v2.1': {
      id: 'v2.1',
      status: 'CURRENT',
      version: MAX_VERSION,
      min_version: MIN_VERSION,
      updated: '2013-07-23T11:33:21Z',
      self: `${root}/v2.1/`,
      media: MEDIA('2.1'),
    },
  };
}

function versionDocument(v: ReturnType<typeof versionsOf>['v2.1']) {
  return {
    version: {
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [{ rel: 'self', href: v.self }, DESCRIBED_BY],
      'media-types': v.media,
    },
  };
}

const MICROVERSION = /^([1-9]\d*)\.([1-9]\d*|0)$/;

/**
 * The microversion a request asks for (OpenStack-API-Version: compute X, or the legacy
 * X-OpenStack-Nova-API-Version), refused as Nova refuses one it does not serve.
 */
export function checkMicroversion(request: FastifyRequest): void {
  const modern = request.headers['openstack-api-version'];
  const legacy = request.headers['x-openstack-nova-api-version'];
  let wanted: string | undefined;
  for (const entry of String(modern ?? '').split(',')) {
    const [service, version] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version) wanted = version;
  }
  if (wanted === undefined && legacy !== undefined) wanted = String(legacy).trim();
  if (wanted === undefined || wanted === '' || wanted.toLowerCase() === 'latest') return;
  const match = MICROVERSION.exec(wanted);
  if (!match) {
    throw badRequest(
      `API Version String ${wanted} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  }
  const asked = `${Number(match[1])}.${Number(match[2])}`;
  if (asked !== MAX_VERSION) {
    throw new OpenStackError(
      novaError(
        406,
        'computeFault',
        `Version ${asked} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`,
      ),
    );
  }
}

export const versionRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { endpoints }) => {
  const root = () => linkBases(endpoints).bookmark;

  app.get('/', async () => {
    const versions = versionsOf(root());
    return {
      versions: Object.values(versions).map((v) => ({
        id: v.id,
        status: v.status,
        version: v.version,
        min_version: v.min_version,
        updated: v.updated,
        links: [{ rel: 'self', href: v.self }],
      })),
    };
  });

  app.get('/v2', async () => versionDocument(versionsOf(root())['v2.0']));
  app.get('/v2.1', async () => versionDocument(versionsOf(root())['v2.1']));
};
