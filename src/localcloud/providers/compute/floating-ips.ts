// Nova's legacy floating-IP proxies (os-floating-ips, os-floating-ip-pools) over the same floating
// IPs Neutron's view serves. Pools are the external networks; a floating IP is a further loopback
// address (127.S.2.x) that the node runtime forwards to the node it is associated with.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { nextFloatingAddress } from '../../nodes/addresses.ts';
import type { CloudState, FloatingIp, Network } from '../../state.ts';
import { type Caller, callerOf, forbidden, notFound } from './context.ts';
import { fits, quotaOf, usageOf } from './usage.ts';
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
  const fip = state.floatingIps.find((f) => f.id === id && f.projectId === caller.projectId);
  if (!fip) throw notFound(`Floating IP not found for ID ${id}`);
  return fip;
}

export const floatingIpRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, runtime, now }) => {
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
      floating_ips: state.floatingIps
        .filter((f) => f.projectId === caller.projectId)
        .map((f) => floatingView(state, f)),
    };
  });

  app.post('/os-floating-ips', async (request) => {
    const caller = callerOf(request);
    const pool = parseBody(CreateBody, request.body ?? null)?.pool;
    const created = store.update((draft) => {
      const network = findPool(draft, pool);
      const quota = quotaOf(draft, caller.projectId);
      if (!fits(quota.floatingIps, usageOf(draft, caller.projectId, caller.userId).floatingIps, 1)) {
        throw forbidden(pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
      }
      const address = nextFloatingAddress(draft);
      if (!address)
        throw notFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
      const fip: FloatingIp = {
        id: randomUUID(),
        address,
        pool: network.name as FloatingIp['pool'],
        projectId: caller.projectId,
        portId: null,
        serverId: null,
        fixedAddress: null,
        createdAt: now().toISOString(),
      };
      draft.floatingIps.push(fip);
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
    const fip = findFloating(store.read(), caller, request.params.id);
    store.update((draft) => {
      draft.floatingIps = draft.floatingIps.filter((f) => f.id !== fip.id);
    });
    runtime.refreshNetwork();
    return reply.code(202).send();
  });
};
