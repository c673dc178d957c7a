// Version discovery, served without a token (the gateway's PUBLIC_ROUTES): GET / lists v2.0 and
// v2.1; GET /v2.1 is the document openstacksdk (and the OSC's SDK-backed commands) read before
// choosing a microversion. It advertises microversion.ts's min and max: only what is implemented
// (spec §9), since clients negotiate up to whatever is advertised.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { linkBases } from './context.ts';
import { MAX_MICROVERSION, MIN_MICROVERSION, microversionText } from './microversion.ts';

const MIN_VERSION = microversionText(MIN_MICROVERSION);
const MAX_VERSION = microversionText(MAX_MICROVERSION);

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
