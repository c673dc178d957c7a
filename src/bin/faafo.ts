// The `faafo` command (bin/faafo.mjs runs this, built in dist/ or through tsx). Entry point only: see
// src/faafo/cli/program.ts for the commands.
import { runCli } from '../faafo/cli/program.ts';

// `faafo list | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
