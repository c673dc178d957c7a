// `npm run bench`: every figure side by side with its baseline, measured in this one run.
import { availableParallelism, cpus } from 'node:os';
import { benchApi, printApi } from './api.ts';
import { benchBroker, printBroker } from './broker.ts';
import { benchLesson, printLesson } from './lesson.ts';
import { benchLocalCloud, printLocalCloud } from './localcloud.ts';
import { benchPeakRss, benchRender, printPeakRss, printRender } from './render.ts';
import { benchStartup, printStartup } from './startup.ts';

console.log(
  `faafo-tutor benchmarks — Node ${process.version}, ${availableParallelism()} vCPU (${cpus()[0]?.model ?? 'unknown CPU'})`,
);
printRender(await benchRender());
printPeakRss(await benchPeakRss());
printBroker(await benchBroker());
// Before the local cloud's bench: it builds dist/, which that cloud's nodes then run.
printStartup(await benchStartup());
// Before the API bench: the nodes need both cores, and that one pins this process to one.
printLocalCloud(await benchLocalCloud());
printLesson(await benchLesson());
// Last: it pins this process to one CPU for the load generator.
printApi(await benchApi());
