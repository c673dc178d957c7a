// What every command gets from the entry point: where to write, how to log, and the API client.
// Commands take it as a parameter (no globals), so tests can run them with captured output.
import type { FaafoClient } from './client.ts';

export interface Output {
  write(data: string | Uint8Array): unknown;
  isTTY?: boolean;
}

export interface CliContext {
  stdout: Output;
  stderr: Output;
  /** --verbose: the lines the original logged at INFO ("listing all fractals"). */
  info(line: string): void;
  /** --debug: HTTP requests and other detail. */
  debug(line: string): void;
  /** The client for --endpoint-url (resolved lazily: `render` needs no endpoint). */
  client(): FaafoClient;
}
