#!/usr/bin/env node
// Entry point for the `faafo-tutor` command (see bin/faafo.mjs for why tsx is registered here).
import { register } from 'tsx/esm/api';

register();
await import('../src/bin/faafo-tutor.ts');
