#!/usr/bin/env node
// Entry point for the `faafo` command. The project runs its TypeScript through tsx, so a clean
// clone works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin/faafo.ts');
