// `npm run bench`: every figure side by side with its baseline, measured in this one run.
// `npm run bench -- scale-out` (or any part's name) runs only the parts named.
import { availableParallelism, cpus } from 'node:os';
import { benchApi, printApi } from './api.ts';
import { benchBoard, printBoard } from './board.ts';
import { benchBroker, printBroker } from './broker.ts';
import { benchClassroom, printClassroom } from './classroom.ts';
import { benchDatabase, printDatabase } from './database.ts';
import { benchLesson, printLesson } from './lesson.ts';
import { benchLocalCloud, printLocalCloud } from './localcloud.ts';
import { benchPeakRss, benchRender, printPeakRss, printRender } from './render.ts';
import { benchScaleOut, printScaleOut } from './scale-out.ts';
import { benchStartup, printStartup } from './startup.ts';
import { benchWalkthrough, printWalkthrough } from './walkthrough.ts';

/** In the order they run; each entry's comment says why it is where it is. */
const PARTS: Array<[string, () => Promise<void>]> = [
  ['render', async () => printRender(await benchRender())],
  ['peak-rss', async () => printPeakRss(await benchPeakRss())],
  ['broker', async () => printBroker(await benchBroker())],
  // Light (one board process, HTTP clients here), so before the local cloud starts its nodes.
  ['board', async () => printBoard(await benchBoard())],
  // Single processes one after another, also before any cloud's nodes.
  ['database', async () => printDatabase(await benchDatabase())],
  // Before the local cloud's bench: it builds dist/, which that cloud's nodes then run.
  ['startup', async () => printStartup(await benchStartup())],
  // Before the API bench: the nodes need both cores, and that one pins this process to one.
  ['localcloud', async () => printLocalCloud(await benchLocalCloud())],
  ['lesson', async () => printLesson(await benchLesson())],
  ['scale-out', async () => printScaleOut(await benchScaleOut())],
  ['walkthrough', async () => printWalkthrough(await benchWalkthrough())],
  ['classroom', async () => printClassroom(await benchClassroom())],
  // Last: it pins this process to one CPU for the load generator.
  ['api', async () => printApi(await benchApi())],
];

const only = process.argv.slice(2);
const unknown = only.filter((name) => !PARTS.some(([part]) => part === name));
if (unknown.length > 0) {
  console.error(
    `There is no bench part named ${unknown.join(', ')}; the parts are: ${PARTS.map(([p]) => p).join(', ')}.`,
  );
  process.exit(2);
}

console.log(
  `faafo-tutor benchmarks — Node ${process.version}, ${availableParallelism()} vCPU (${cpus()[0]?.model ?? 'unknown CPU'})`,
);
for (const [name, run] of PARTS) if (only.length === 0 || only.includes(name)) await run();
