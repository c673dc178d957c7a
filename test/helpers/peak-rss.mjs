// Preloaded into a child process (`node --import …/peak-rss.mjs bin/faafo.mjs …`): when the child
// exits, writes its peak resident set size in kilobytes to the file named by PEAK_RSS_FILE, so a
// test can assert how much memory a command needed at its worst.
import { writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
