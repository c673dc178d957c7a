// Fractals inline: the newest finished ones from an API node of the lesson (its floating IP), each
// as its PNG with the worker that drew it — "generated_by" as a picture, and proof that every API
// node serves every fractal.
import type { Connection } from '../cloud/driver.ts';
import { FaafoClient } from '../faafo/cli/client.ts';
import { type Display, escapeHtml } from './display.ts';

/** The lesson's API nodes in the order a client would try them. */
const API_NODES = ['app-api-1', 'app-api-2', 'app-controller'];

/** The faafo API's URL on the first lesson API node that is up and has a floating IP. */
export async function apiUrl(conn: Connection): Promise<string> {
  const nodes = await conn.listNodes();
  for (const name of API_NODES) {
    const node = nodes.find((n) => n.name === name && n.status === 'ACTIVE' && n.floatingIps.length > 0);
    if (node) return conn.serviceUrl(node, node.floatingIps[0]!, 80);
  }
  throw new Error(
    'No API server of the lesson is up with a floating IP: run the prelude, or steps 1 to 5, first.',
  );
}

export interface ShownFractal {
  uuid: string;
  generatedBy: string;
  bytes: number;
}

/** Shows up to `count` finished fractals as PNGs; resolves with what it showed. */
export async function showFractals(conn: Connection, display: Display, count = 3): Promise<ShownFractal[]> {
  const url = await apiUrl(conn);
  const done = (await new FaafoClient(url).listAll()).filter((f) => f.generated_by).slice(-count);
  if (done.length === 0) {
    display.text(`No fractal is finished yet at ${url}: create some (step 7), then run this cell again.`);
    return [];
  }
  const shown: ShownFractal[] = [];
  for (const fractal of done) {
    const response = await fetch(`${url}/fractal/${fractal.uuid}`);
    if (!response.ok) throw new Error(`${url}/fractal/${fractal.uuid} answered ${response.status}.`);
    const png = new Uint8Array(await response.arrayBuffer());
    display.html(
      `<b>${escapeHtml(fractal.uuid)}</b>, drawn by ${escapeHtml(fractal.generated_by ?? '?')} (${png.length} bytes)`,
    );
    display.png(png);
    shown.push({ uuid: fractal.uuid, generatedBy: fractal.generated_by ?? '', bytes: png.length });
  }
  return shown;
}
