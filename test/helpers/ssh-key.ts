// A fresh RSA public key in OpenSSH's one-line format (what `ssh-keygen` writes to id_rsa.pub),
// for the key pair the guide imports as demokey.
import { generateKeyPairSync } from 'node:crypto';

export function opensshPublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  // An SSH mpint is big-endian two's complement: a set top bit needs a leading zero byte.
  const mpint = (b64url: string) => {
    const b = Buffer.from(b64url, 'base64url');
    return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  };
  const blob = Buffer.concat(
    [Buffer.from('ssh-rsa'), mpint(jwk.e), mpint(jwk.n)].flatMap((part) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      return [length, part];
    }),
  );
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}
