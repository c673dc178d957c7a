// The flavors of the cloud, as Nova lists them: the lesson's flavor sizes a student's quota and,
// on the shared local cloud, how many students the host fits.
import { z } from 'zod';
import type { AdminSession } from './admin-session.ts';
import type { FlavorSize } from './lesson-needs.ts';

const flavorSchema = z.object({ name: z.string(), vcpus: z.number(), ram: z.number() });

export async function listFlavors(session: AdminSession): Promise<FlavorSize[]> {
  const answer = await session.call('compute', '/flavors/detail', 'listing the flavors');
  return session.read(z.object({ flavors: z.array(flavorSchema) }), answer).flavors;
}
