// GET / and the page's files: the teacher's board is plain HTML, one script per concern and a style
// sheet, read from src/classroom/board/page/ (no build step; the package ships src/). A strict content
// security policy lets the page run only its own scripts, so a student's name can never become code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { PACKAGE_ROOT } from '../../../shared/package-root.ts';

export const PAGE_DIR = join(PACKAGE_ROOT, 'src', 'classroom', 'board', 'page');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board.js': { file: 'board.js', type: 'text/javascript; charset=utf-8' },
  '/chart.js': { file: 'chart.js', type: 'text/javascript; charset=utf-8' },
  '/board.css': { file: 'board.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const pageRoutes: FastifyPluginAsync = async (app) => {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    // Read once when the board starts: a missing file is a broken install, said at start.
    const body = readFileSync(join(PAGE_DIR, file));
    app.get(path, async (_request, reply) => reply.type(type).headers(SECURITY_HEADERS).send(body));
  }
  // Browsers ask for an icon on their own; the board has none, and says so without an error.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
};
