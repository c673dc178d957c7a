// A render thread for the pool's failure tests: it dies on chosen requests and otherwise behaves
// like the real one. iterations 13 → throws; iterations 14 → exits with code 7.
import { parentPort } from 'node:worker_threads';
import { type BandRequest, renderBand } from '../../src/faafo/render/band.ts';

const port = parentPort!;
port.on('message', (req: BandRequest) => {
  if (req.params.iterations === 13) throw new Error('boom in the render thread');
  if (req.params.iterations === 14) process.exit(7);
  const result = renderBand(req);
  port.postMessage(result, [result.pixels.buffer]);
});
