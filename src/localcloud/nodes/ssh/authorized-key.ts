// Which key may log in to a node: only the public key of the key pair the server was created with
// (`--key-name`, the guide's demokey), as cloud-init puts it in ~/.ssh/authorized_keys on a real
// VM. Read once when the node boots, as there: deleting the key pair later locks nobody out.
import { timingSafeEqual } from 'node:crypto';
import ssh2, { type ParsedKey, type PublicKeyAuthContext } from 'ssh2';
import type { CloudState, Server } from '../../state.ts';

/** An OpenSSH one-line public key (`ssh-rsa AAAA… comment`) parsed, or an Error saying why not. */
export function parseAuthorizedKey(line: string): ParsedKey | Error {
  const parsed = ssh2.utils.parseKey(line.trim());
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return new Error('The key pair holds no public key.');
  if (key.isPrivateKey()) return new Error('The key pair holds a private key where its public key belongs.');
  return key;
}

/** The server's key pair's public key: the one key its sshd accepts (undefined: no key, no login). */
export function authorizedKeyOf(state: Readonly<CloudState>, server: Server): ParsedKey | Error | undefined {
  if (!server.keyName) return undefined;
  const keypair = state.keypairs.find((k) => k.name === server.keyName && k.userId === server.userId);
  if (!keypair) return new Error(`The key pair ${server.keyName} is gone, so no key can log in.`);
  return parseAuthorizedKey(keypair.publicKey);
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * Is this public-key attempt the authorized key? Without a signature the client only asks whether
 * the key would do; with one, the signature over the session must verify with that key.
 */
export function acceptsKey(
  authorized: ParsedKey | undefined,
  attempt: Pick<PublicKeyAuthContext, 'key' | 'signature' | 'blob' | 'hashAlgo'>,
): boolean {
  if (!authorized || !sameBytes(attempt.key.data, authorized.getPublicSSH())) return false;
  if (!attempt.signature) return true;
  if (!attempt.blob) return false;
  return authorized.verify(attempt.blob, attempt.signature, attempt.hashAlgo) === true;
}
