// /os-keypairs: a user's SSH keys. Import checks the key and computes its MD5 fingerprint as
// `ssh-keygen -l -E md5` (and nova/crypto.py) do; create without a public key generates an RSA key
// pair as Nova does and returns the private key once. From 2.2 a key pair has a `type` (only `ssh`
// keys are kept here) and create/delete answer 201/204; openstacksdk runs keypairs at 2.10, the
// OSC's keypair commands too, libcloud and pkgcloud at 2.1.
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { fits, quotaOf, usageOf } from '../../model/quotas.ts';
import type { CloudState, Keypair } from '../../state.ts';
import { badRequest, callerOf, conflict, forbidden, notFound } from './context.ts';
import { atLeast } from './microversion.ts';
import { novaName, parseBody } from './validation.ts';

/** nova/api/openstack/compute/schemas/keypairs.py `create` (2.1) and `create_v22` (with `type`). */
function createBody(withType: boolean) {
  return z.strictObject({
    keypair: z.strictObject({
      name: novaName.pipe(z.string().regex(/^[_\- a-zA-Z0-9]+$/)),
      ...(withType ? { type: z.enum(['ssh', 'x509']).optional() } : {}),
      public_key: z.string().optional(),
    }),
  });
}

/** The key type a 2.2+ client reads (x509 keys are refused as unreadable: their text is no SSH key). */
const SSH_TYPE = { type: 'ssh' } as const;

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** The first SSH wire-format string of a key blob (its key type). */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length > blob.length - 4) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/**
 * `aa:bb:…`: the MD5 of the key's decoded blob, as nova/crypto.py generate_fingerprint. Undefined
 * when the text is not an OpenSSH public key whose blob names the type it claims.
 */
export function fingerprintOf(publicKey: string): string | undefined {
  const [type, data] = publicKey.trim().split(/\s+/);
  if (
    !type ||
    !data ||
    !KEY_TYPES.has(type) ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(data) ||
    data.length % 4 !== 0
  ) {
    return undefined;
  }
  const blob = Buffer.from(data, 'base64');
  if (blobType(blob) !== type) return undefined;
  const hex = createHash('md5').update(blob).digest('hex');
  return hex.match(/../g)!.join(':');
}

const sshString = (bytes: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An SSH mpint from unsigned big-endian bytes: no leading zeros, a zero byte if the top bit is set. */
const sshMpint = (bytes: Buffer) => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

/** What Nova's crypto.generate_key_pair returns: a PEM RSA private key and its OpenSSH public key. */
export function generateRsaKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
  });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e!, 'base64url')),
    sshMpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
  };
}

function findKeypair(state: Readonly<CloudState>, userId: string, name: string): Keypair {
  const keypair = state.keypairs.find((k) => k.userId === userId && k.name === name);
  if (!keypair) throw notFound(`Keypair ${name} not found for user ${userId}`);
  return keypair;
}

/** Nova's naive datetime as oslo serialises it: microseconds, no zone. */
const dbTime = (iso: string) => `${new Date(iso).toISOString().slice(0, 19)}.000000`;

export const keypairRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, now }) => {
  app.get('/os-keypairs', async (request) => {
    const { userId } = callerOf(request);
    const typed = atLeast(request, 2) ? SSH_TYPE : {};
    return {
      keypairs: store
        .read()
        .keypairs.filter((k) => k.userId === userId)
        .map((k) => ({
          keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...typed },
        })),
    };
  });

  app.post('/os-keypairs', async (request, reply) => {
    const caller = callerOf(request);
    const typed = atLeast(request, 2);
    const { keypair: spec } = parseBody(createBody(typed), request.body);
    const name = spec.name.trim();
    const state = store.read();
    if (
      !fits(
        quotaOf(state, caller.projectId).keyPairs,
        usageOf(state, caller.projectId, caller.userId).keyPairs,
        1,
      )
    ) {
      throw forbidden('Quota exceeded, too many key pairs.');
    }
    let privateKey: string | undefined;
    let publicKey = spec.public_key;
    if (publicKey === undefined) {
      ({ privateKey, publicKey } = generateRsaKeyPair());
    }
    const fingerprint = fingerprintOf(publicKey);
    if (!fingerprint) throw badRequest('Keypair data is invalid: failed to generate fingerprint');
    if (state.keypairs.some((k) => k.userId === caller.userId && k.name === name)) {
      throw conflict(`Key pair '${name}' already exists.`);
    }
    const keypair: Keypair = {
      name,
      userId: caller.userId,
      publicKey,
      fingerprint,
      createdAt: now().toISOString(),
    };
    store.update((draft) => {
      draft.keypairs.push(keypair);
    });
    // At 2.1 Nova answers 200, from 2.2 201 with the key's type.
    const body = {
      name,
      public_key: publicKey,
      fingerprint,
      user_id: caller.userId,
      ...(typed ? SSH_TYPE : {}),
    };
    if (typed) reply.code(201);
    return { keypair: privateKey === undefined ? body : { private_key: privateKey, ...body } };
  });

  app.get<{ Params: { name: string } }>('/os-keypairs/:name', async (request) => {
    const { userId } = callerOf(request);
    const state = store.read();
    const keypair = findKeypair(state, userId, request.params.name);
    return {
      keypair: {
        name: keypair.name,
        public_key: keypair.publicKey,
        fingerprint: keypair.fingerprint,
        user_id: keypair.userId,
        created_at: dbTime(keypair.createdAt),
        deleted: false,
        deleted_at: null,
        id: state.keypairs.indexOf(keypair) + 1,
        updated_at: null,
        ...(atLeast(request, 2) ? SSH_TYPE : {}),
      },
    };
  });

  app.delete<{ Params: { name: string } }>('/os-keypairs/:name', async (request, reply) => {
    const { userId } = callerOf(request);
    findKeypair(store.read(), userId, request.params.name);
    store.update((draft) => {
      draft.keypairs = draft.keypairs.filter((k) => !(k.userId === userId && k.name === request.params.name));
    });
    // libcloud checks for 202 (Nova's answer at 2.1; 204 from 2.2).
    return reply.code(atLeast(request, 2) ? 204 : 202).send();
  });
};
