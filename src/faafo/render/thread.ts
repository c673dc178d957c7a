// The thread side of the render pool: render one band per request and hand the bytes back by
// transfer, so the thread keeps no reference to any image between requests (an idle thread rarely
// collects garbage, and a retained shared buffer would pin a whole image in memory).
import { parentPort } from 'node:worker_threads';
import { type BandRequest, renderBand } from './band.ts';

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: BandRequest) => {
    const result = renderBand(req);
    port.postMessage(result, [result.pixels.buffer]);
  });
}
