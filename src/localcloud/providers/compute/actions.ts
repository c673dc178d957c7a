// POST /servers/{id}/action: one key naming the action, as Nova dispatches it (nova/api/openstack/
// wsgi.py). Floating IPs and security groups change the shared state through the model
// (model/floating-ips.ts, model/servers-network.ts) and ask the node runtime to re-plan its
// forwarders; reboot, os-stop and os-start set Nova's task_state at once (so the next
// GET shows the transition) and leave the status to the runtime.
import { isIP } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import {
  associateFloatingIp,
  disassociateFloatingIp,
  findFloatingIpByAddress,
} from '../../model/floating-ips.ts';
import { portsOfServer } from '../../model/ports.ts';
import { type Refusal, valueOr } from '../../model/refusals.ts';
import { projectGroups } from '../../model/security-groups.ts';
import { joinSecurityGroup, leaveSecurityGroup } from '../../model/servers-network.ts';
import type { CloudState, Server } from '../../state.ts';
import { badRequest, type Caller, callerOf, conflict, notFound } from './context.ts';
import { atLeast, removedAtThisVersion } from './microversion.ts';
import { findServer } from './servers.ts';
import { parseBody } from './validation.ts';
import { vmStateOf } from './views.ts';

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { params: { anyOf: true } });

const ACTIONS = {
  addFloatingIp: z.strictObject({
    addFloatingIp: z.strictObject({ address: ipAddress, fixed_address: ipAddress.optional() }),
  }),
  removeFloatingIp: z.strictObject({ removeFloatingIp: z.strictObject({ address: ipAddress }) }),
  reboot: z.strictObject({
    reboot: z.strictObject({ type: z.enum(['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']) }),
  }),
  'os-stop': z.strictObject({ 'os-stop': z.unknown() }),
  'os-start': z.strictObject({ 'os-start': z.unknown() }),
  // `length` may be null (libcloud), absent (the OSC), a number or a string of digits; -1 is all.
  'os-getConsoleOutput': z.strictObject({
    'os-getConsoleOutput': z.strictObject({
      length: z
        .union([z.number().int(), z.string().regex(/^-?[0-9]+$/), z.null()])
        .optional()
        .transform((v) => (v === null || v === undefined ? undefined : Number(v)))
        .pipe(z.number().min(-1).optional()),
    }),
  }),
  addSecurityGroup: z.strictObject({ addSecurityGroup: z.strictObject({ name: z.string().min(1) }) }),
  removeSecurityGroup: z.strictObject({ removeSecurityGroup: z.strictObject({ name: z.string().min(1) }) }),
} as const;

type ActionName = keyof typeof ACTIONS;

/** The action's name: the body's one key (Nova: "Malformed request body" otherwise). */
export function actionName(body: unknown): ActionName {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) {
    throw badRequest('Malformed request body');
  }
  const name = Object.keys(body)[0]!;
  if (!Object.hasOwn(ACTIONS, name)) throw badRequest(`There is no such action: ${name}`);
  return name as ActionName;
}

/** compute/api.py check_instance_state, worded by common.raise_http_conflict_for_instance_invalid_state. */
function requireState(
  server: Server,
  action: string,
  vmStates: readonly string[],
  taskStates: readonly (string | null)[] = [null],
): void {
  const vmState = vmStateOf(server);
  if (!vmStates.includes(vmState)) {
    throw conflict(`Cannot '${action}' instance ${server.id} while it is in vm_state ${vmState}`);
  }
  if (!taskStates.includes(server.taskState)) {
    throw conflict(`Cannot '${action}' instance ${server.id} while it is in task_state ${server.taskState}`);
  }
}

const HARD_REBOOT_TASKS = [
  null,
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'resuming',
  'rebooting_hard',
];

function groupByNameOrId(state: Readonly<CloudState>, caller: Caller, ref: string) {
  const groups = projectGroups(state, caller.projectId);
  const group = groups.find((g) => g.id === ref) ?? groups.find((g) => g.name === ref);
  if (!group) throw notFound(`Unable to find security_group with name or id '${ref}'`);
  return group;
}

/**
 * Neutron's refusal of an association, as Nova's addFloatingIp passes on any error it does not know
 * (nova/api/openstack/compute/floating_ips.py): a 400 naming the addresses and the reason.
 */
function associationRefused(
  state: Readonly<CloudState>,
  refusal: Refusal,
  address: string,
  fixedIp: string,
  id: string,
) {
  const reason =
    refusal.kind === 'port-has-floating-ip'
      ? `fixed IP ${fixedIp} already has floating IP ${state.floatingIps.find((f) => f.id === refusal.heldBy)?.address ?? refusal.heldBy}`
      : refusal.kind === 'port-on-external-network'
        ? `fixed IP ${fixedIp} is on the external network`
        : `the association was refused (${refusal.kind})`;
  return badRequest(
    `Unable to associate floating IP ${address} to fixed IP ${fixedIp} for instance ${id}. Error: ${reason}.`,
  );
}

/** Nova strips control characters from console output, all but tab and newline. */
const withoutControlCharacters = (text: string) =>
  [...text].filter((c) => c >= ' ' || c === '\t' || c === '\n').join('');

export const actionRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, runtime, now } = deps;

  /** Sets task_state now; when the runtime is done, clears it (if still ours) or records the failure. */
  function transition(
    server: Server,
    taskState: string,
    status: Server['status'] | null,
    run: () => Promise<void>,
  ) {
    store.update((draft) => {
      const s = draft.servers.find((x) => x.id === server.id);
      if (!s) return;
      s.taskState = taskState;
      if (status) s.status = status;
      s.updatedAt = now().toISOString();
    });
    const settle = (error?: unknown) =>
      store.update((draft) => {
        const s = draft.servers.find((x) => x.id === server.id);
        if (!s || s.taskState !== taskState) return;
        s.taskState = null;
        // A reboot that finished is a running node, whatever the runtime reported on the way.
        if (error === undefined && s.status === 'REBOOT') {
          s.status = 'ACTIVE';
          s.powerState = 1;
        }
        if (error !== undefined) {
          s.status = 'ERROR';
          s.fault = {
            code: 500,
            message: error instanceof Error ? error.message : String(error),
            created: now().toISOString(),
          };
        }
        s.updatedAt = now().toISOString();
      });
    let pending: Promise<void>;
    try {
      pending = run();
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => settle(),
      (error: unknown) => settle(error ?? new Error('the node runtime failed')),
    );
  }

  app.post<{ Params: { id: string } }>('/servers/:id/action', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    const name = actionName(request.body);
    const state = store.read();

    switch (name) {
      case 'addFloatingIp': {
        // libcloud's ex_attach_floating_ip_to_node (no microversion); gone from 2.44.
        if (atLeast(request, 44)) throw removedAtThisVersion();
        const { address, fixed_address } = parseBody(ACTIONS.addFloatingIp, request.body).addFloatingIp;
        const server = findServer(state, caller, id);
        const ports = portsOfServer(state, server.id).filter((p) => isIP(p.fixedIp) === 4);
        if (ports.length === 0) throw badRequest('No fixed IPs associated to instance');
        const port = fixed_address === undefined ? ports[0]! : ports.find((p) => p.fixedIp === fixed_address);
        if (!port) throw badRequest('Specified fixed address not assigned to instance');
        const fip = findFloatingIpByAddress(state, caller.projectId, address);
        if (!fip) throw notFound('floating IP not found');
        // Neutron moves a floating IP that is associated elsewhere, and Nova lets it.
        store.update((draft) => {
          const target = { projectId: caller.projectId, floatingIpId: fip.id, portId: port.id };
          valueOr(associateFloatingIp(draft, target), (refusal) =>
            refusal.kind === 'not-found'
              ? notFound('floating IP not found')
              : associationRefused(draft, refusal, address, port.fixedIp, id),
          );
        });
        runtime.refreshNetwork();
        return reply.code(202).send();
      }

      case 'removeFloatingIp': {
        if (atLeast(request, 44)) throw removedAtThisVersion();
        const { address } = parseBody(ACTIONS.removeFloatingIp, request.body).removeFloatingIp;
        const fip = findFloatingIpByAddress(state, caller.projectId, address);
        if (!fip) throw notFound(`Floating IP not found for address ${address}.`);
        store.update((draft) => {
          const target = { projectId: caller.projectId, floatingIpId: fip.id, serverId: id };
          valueOr(disassociateFloatingIp(draft, target), (refusal) =>
            refusal.kind === 'not-found'
              ? notFound(`Floating IP not found for address ${address}.`)
              : conflict(`Floating IP ${address} is not associated with instance ${id}.`),
          );
        });
        runtime.refreshNetwork();
        return reply.code(202).send();
      }

      case 'reboot': {
        const type = parseBody(ACTIONS.reboot, request.body).reboot.type.toUpperCase();
        const server = findServer(state, caller, id);
        if (type === 'SOFT') requireState(server, 'reboot', ['active']);
        else requireState(server, 'reboot', ['active', 'stopped', 'error'], HARD_REBOOT_TASKS);
        transition(server, type === 'SOFT' ? 'rebooting' : 'rebooting_hard', 'REBOOT', () =>
          runtime.reboot(id),
        );
        return reply.code(202).send();
      }

      case 'os-stop': {
        parseBody(ACTIONS['os-stop'], request.body);
        const server = findServer(state, caller, id);
        requireState(server, 'stop', ['active', 'error']);
        transition(server, 'powering-off', null, () => runtime.stop(id));
        return reply.code(202).send();
      }

      case 'os-start': {
        parseBody(ACTIONS['os-start'], request.body);
        const server = findServer(state, caller, id);
        requireState(server, 'start', ['stopped']);
        transition(server, 'powering-on', null, () => runtime.start(id));
        return reply.code(202).send();
      }

      case 'os-getConsoleOutput': {
        const { length } = parseBody(ACTIONS['os-getConsoleOutput'], request.body)['os-getConsoleOutput'];
        const server = findServer(state, caller, id);
        const output = runtime.consoleOutput(
          server.id,
          length === undefined || length < 0 ? undefined : length,
        );
        return { output: withoutControlCharacters(output) };
      }

      case 'addSecurityGroup': {
        const ref = parseBody(ACTIONS.addSecurityGroup, request.body).addSecurityGroup.name;
        const server = findServer(state, caller, id);
        const group = groupByNameOrId(state, caller, ref);
        store.update((draft) => {
          const target = { projectId: caller.projectId, serverId: server.id, groupId: group.id };
          valueOr(joinSecurityGroup(draft, target), (refusal) =>
            refusal.kind === 'already-member'
              ? badRequest(`Security group ${group.id} is already associated with the instance ${id}`)
              : notFound(`Instance ${id} could not be found.`),
          );
        });
        runtime.refreshNetwork();
        return reply.code(202).send();
      }

      case 'removeSecurityGroup': {
        const ref = parseBody(ACTIONS.removeSecurityGroup, request.body).removeSecurityGroup.name;
        const server = findServer(state, caller, id);
        const group = groupByNameOrId(state, caller, ref);
        store.update((draft) => {
          const target = { projectId: caller.projectId, serverId: server.id, groupId: group.id };
          valueOr(leaveSecurityGroup(draft, target), (refusal) =>
            refusal.kind === 'not-member'
              ? badRequest(`Security group ${group.id} not associated with the instance ${id}`)
              : notFound(`Instance ${id} could not be found.`),
          );
        });
        runtime.refreshNetwork();
        return reply.code(202).send();
      }
    }
  });
};
