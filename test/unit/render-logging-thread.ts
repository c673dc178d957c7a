// A render thread for the pool's look-ahead test: it behaves like the real one, and first appends
// each request's first row to the file named by FAAFO_TEST_BAND_LOG, synchronously, so the test can
// count how many bands the pool had asked for at any moment.
import { appendFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { type BandRequest, renderBand } from '../../src/faafo/render/band.ts';

const log = process.env.FAAFO_TEST_BAND_LOG!;
const port = parentPort!;
port.on('message', (req: BandRequest) => {
  appendFileSync(log, `${req.rowStart}\n`);
  const result = renderBand(req);
  port.postMessage(result, [result.pixels.buffer]);
});
