// The API extensions this Neutron implements. The OSC asks for one only when a request fails on an
// option that needs it (network/common.py check_missing_extension_if_error); listing exactly what is
// served keeps such probes honest.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { neutronFault } from './common.ts';

interface Extension {
  alias: string;
  name: string;
  description: string;
  updated: string;
  links: [];
}

const ext = (alias: string, name: string, description: string, updated: string): Extension => ({
  alias,
  name,
  description,
  updated,
  links: [],
});

export const EXTENSIONS: Extension[] = [
  ext('security-group', 'security-group', 'The security groups extension.', '2012-10-05T10:00:00-00:00'),
  ext(
    'external-net',
    'Neutron external network',
    'Adds external network attribute to network resource.',
    '2013-01-14T10:00:00-00:00',
  ),
  ext(
    'quotas',
    'Quota management support',
    'Expose functions for quotas management per project',
    '2012-07-29T10:00:00-00:00',
  ),
  ext(
    'quota_details',
    'Quota details management support',
    'Expose functions for quotas usage statistics per project',
    '2017-02-10T10:00:00-00:00',
  ),
  ext(
    'project-id',
    'project_id field enabled',
    'Extension that indicates that project_id field is enabled.',
    '2016-09-09T09:09:09-09:09',
  ),
  ext(
    'standard-attr-description',
    'standard-attr-description',
    'Extension to add descriptions to standard attributes',
    '2016-02-10T10:00:00-00:00',
  ),
  ext(
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
    '2016-09-12T10:00:00-00:00',
  ),
  ext(
    'standard-attr-revisions',
    'Resource revision numbers',
    'This extension will display the revision number of neutron resources.',
    '2016-04-11T10:00:00-00:00',
  ),
  ext(
    'network-mtu',
    'Network MTU',
    'Provides MTU attribute for a network resource.',
    '2015-03-25T10:00:00-00:00',
  ),
  ext('port-security', 'Port Security', 'Provides port security', '2012-07-23T10:00:00-00:00'),
  ext(
    'fip-port-details',
    'Floating IP Port Details Extension',
    'Add port_details attribute to Floating IP resource',
    '2018-04-09T10:00:00-00:00',
  ),
  ext(
    'stateful-security-group',
    'Stateful security group',
    'Indicates if the security group is stateful or not',
    '2019-11-26T09:00:00-00:00',
  ),
];

export const extensionRoutes: FastifyPluginAsync<ProviderDeps> = async (app) => {
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS }));

  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (request) => {
    const extension = EXTENSIONS.find((e) => e.alias === request.params.alias);
    if (!extension) {
      throw neutronFault(404, 'HTTPNotFound', `Extension with alias ${request.params.alias} does not exist`);
    }
    return { extension };
  });
};
