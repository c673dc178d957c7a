// Step 7's `faafo` calls print through console.log, line by line (steps/faafo-cli.ts): under Ink the
// tutor takes console lines into its frame (tutor/app/console-tap.ts); a write to stdout would tear it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { faafo } from '../../steps/faafo-cli.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe("step 7's faafo", () => {
  it('prints the command and what the CLI said as console lines, never to stdout directly', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => {
      logged.push(line);
    });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    // Port 1 on loopback: nothing listens, so the CLI says it cannot reach the API.
    await expect(faafo('http://127.0.0.1:1', 'list')).rejects.toThrow(/faafo list failed \(exit 1\)/);
    expect(logged[0]).toBe('$ faafo --endpoint-url http://127.0.0.1:1 list');
    expect(logged.slice(1).join('\n')).toMatch(/Cannot reach the faafo API at http:\/\/127\.0\.0\.1:1/);
    expect(logged.every((line) => !line.includes('\n'))).toBe(true);
    expect(written.join('')).not.toMatch(/Cannot reach/);
  });
});
