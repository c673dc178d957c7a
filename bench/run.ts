// `npm run bench`: every figure side by side with its baseline, measured in this one run.
import { availableParallelism, cpus } from 'node:os';
import { benchApi, printApi } from './api.ts';
import { benchRender, printRender } from './render.ts';

console.log(
  `faafo-tutor benchmarks — Node ${process.version}, ${availableParallelism()} vCPU (${cpus()[0]?.model ?? 'unknown CPU'})`,
);
printRender(await benchRender());
printApi(await benchApi());
