// Nova's legacy floating-IP proxies (os-floating-ips, os-floating-ip-pools) over the same floating
// IPs Neutron's view serves. Pools are the external networks; a floating IP is a further loopback
// address (127.S.2.x) that the node runtime forwards to the node it is associated with. Allocation
// and release are the model's (model/floating-ips.ts); this file words its refusals as Nova does.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import {
  allocateFloatingIp,
  findFloatingIp,
  projectFloatingIps,
  releaseFloatingIp,
} from '../../model/floating-ips.ts';
import { valueOr } from '../../model/refusals.ts';
import type { CloudState, FloatingIp, Network } from '../../state.ts';
import { type Caller, callerOf, forbidden, notFound } from './context.ts';
import { proxyRemovedFrom } from './microversion.ts';
import { parseBody } from './validation.ts';

// pkgcloud sends `{}` when no pool is named, and some clients no body at all.
const CreateBody = z.looseObject({ pool: z.string().nullable().optional() }).nullable();

export function floatingView(state: Readonly<CloudState>, fip: FloatingIp) {
  return {
    fixed_ip: fip.fixedAddress,
    id: fip.id,
    instance_id: fip.serverId,
    ip: fip.address,
    pool: state.networks.find((n) => n.external && n.name === fip.pool)?.name ?? fip.pool,
  };
}

/** The external network a pool names (by name or id); with no name, the cloud's only one. */
function findPool(state: Readonly<CloudState>, pool: string | null | undefined): Network {
  const external = state.networks.filter((n) => n.external);
  const network = pool ? external.find((n) => n.name === pool || n.id === pool) : external[0];
  if (!network) throw notFound('Floating IP pool not found.');
  return network;
}

function findFloating(state: Readonly<CloudState>, caller: Caller, id: string): FloatingIp {
  const fip = findFloatingIp(state, caller.projectId, id);
  if (!fip) throw notFound(`Floating IP not found for ID ${id}`);
  return fip;
}

export const floatingIpRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, runtime, now }) => {
  // libcloud and pkgcloud send no microversion and keep these; from 2.36 Nova answers them 404.
  app.addHook('onRequest', proxyRemovedFrom(36));

  app.get('/os-floating-ip-pools', async () => ({
    floating_ip_pools: store
      .read()
      .networks.filter((n) => n.external)
      .map((n) => ({ name: n.name })),
  }));

  app.get('/os-floating-ips', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    return {
      floating_ips: projectFloatingIps(state, caller.projectId).map((f) => floatingView(state, f)),
    };
  });

  app.post('/os-floating-ips', async (request) => {
    const caller = callerOf(request);
    const pool = parseBody(CreateBody, request.body ?? null)?.pool;
    const created = store.update((draft) => {
      const network = findPool(draft, pool);
      const allocated = allocateFloatingIp(draft, { projectId: caller.projectId, network, now: now() });
      const fip = valueOr(allocated, (refusal) => {
        if (refusal.kind === 'quota') {
          return forbidden(pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
        }
        return notFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
      });
      return floatingView(draft, fip);
    });
    runtime.refreshNetwork();
    return { floating_ip: created };
  });

  app.get<{ Params: { id: string } }>('/os-floating-ips/:id', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    return { floating_ip: floatingView(state, findFloating(state, caller, request.params.id)) };
  });

  app.delete<{ Params: { id: string } }>('/os-floating-ips/:id', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    store.update((draft) =>
      valueOr(releaseFloatingIp(draft, { projectId: caller.projectId, id }), () =>
        notFound(`Floating IP not found for ID ${id}`),
      ),
    );
    runtime.refreshNetwork();
    return reply.code(202).send();
  });
};
