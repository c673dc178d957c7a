// step-3: a short function to find an unused floating IP, or allocate a new one. It saves a few
// lines of boring code and keeps you from reaching your floating IP quota too quickly.
import type { Connection, FloatingIp } from './lesson-context.ts';

/** A helper function to re-use available floating IPs. */
export async function getFloatingIp(conn: Connection): Promise<FloatingIp> {
  let unusedFloatingIp: FloatingIp | undefined;
  for (const floatingIp of await conn.exListFloatingIps()) {
    if (!floatingIp.nodeId) {
      unusedFloatingIp = floatingIp;
      break;
    }
  }
  if (!unusedFloatingIp) {
    const pool = (await conn.exListFloatingIpPools())[0];
    if (!pool)
      throw new Error('This cloud has no floating IP pool; ask its administrator for an external network.');
    unusedFloatingIp = await pool.createFloatingIp();
  }
  return unusedFloatingIp;
}

// Running this step only defines getFloatingIp (step 5 uses it); it shows what there is to reuse.
export default async function step3(conn: Connection) {
  const floatingIps = await conn.exListFloatingIps();
  const unused = floatingIps.filter((f) => !f.nodeId).map((f) => f.ipAddress);
  console.log(
    `getFloatingIp is defined. This project holds ${floatingIps.length} floating IP(s), ${unused.length} unused` +
      `${unused.length > 0 ? `: ${unused.join(', ')}` : ''}.`,
  );
}
