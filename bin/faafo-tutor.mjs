#!/usr/bin/env node
// Entry point for the `faafo-tutor` command: the built JavaScript when it is current, else the
// TypeScript sources through tsx (bin/run-entry.mjs says how it chooses).
import { runEntry } from './run-entry.mjs';

await runEntry('src/bin/faafo-tutor');
