// The web gallery in a real (headless) Chromium: images load, pagination works, pending fractals
// stay out. The API runs on a real port with the real SQLite repository and database image store.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/faafo/api/server.ts';
import { defaults } from '../../src/faafo/config.ts';
import { openRepository } from '../../src/faafo/db/open.ts';
import type { FractalRepository } from '../../src/faafo/db/repository.ts';
import { openImageStore } from '../../src/faafo/images/open.ts';
import type { TaskPublisher } from '../../src/faafo/queue/publisher.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../helpers/services.ts';

const FINISHED = 12;

function png(seed: number): Buffer {
  const image = new PNG({ width: 40 + seed, height: 30 });
  for (let i = 0; i < image.data.length; i += 4) {
    image.data[i] = (i * seed) % 256;
    image.data[i + 1] = (i >> 3) % 256;
    image.data[i + 2] = (seed * 20) % 256;
    image.data[i + 3] = 255;
  }
  return PNG.sync.write(image);
}

// Publishing is not part of what this test looks at; fractals are seeded through the repository.
const idlePublisher: TaskPublisher = { publish: async () => {}, close: async () => {} };

const run = await chromiumAvailable();

describe.runIf(run)('the web gallery in Chromium', () => {
  let dir: string;
  let repo: FractalRepository;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const finished: string[] = [];
  let pending: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faafo-gallery-'));
    const config = { ...defaults({}, 'gallery-test'), databaseUrl: `sqlite:///${join(dir, 'faafo.db')}` };
    repo = await openRepository(config.databaseUrl);
    const images = openImageStore('database', repo, config.imageDir);
    for (let i = 0; i < FINISHED; i++) {
      const uuid = crypto.randomUUID();
      await repo.create({
        uuid,
        width: 40 + i,
        height: 30,
        iterations: 128,
        xa: -1.5 - i,
        xb: 1.5,
        ya: -1,
        yb: 1,
      });
      const image = png(i + 1);
      await images.put(uuid, image);
      await repo.update(uuid, {
        checksum: createHash('sha256').update(image).digest('hex'),
        size: image.length,
        duration: 0.5,
        generated_by: `worker-${i % 3}`,
      });
      finished.push(uuid);
    }
    finished.sort();
    pending = crypto.randomUUID();
    await repo.create({
      uuid: pending,
      width: 64,
      height: 64,
      iterations: 128,
      xa: -2,
      xb: 2,
      ya: -1,
      yb: 1,
    });

    app = buildApi({ config, repo, images, publisher: idlePublisher });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    // A fresh temporary profile per launch (Playwright creates and removes it).
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await repo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The bits of HTMLImageElement we read (tsconfig has no DOM lib).
  type ImageState = { complete: boolean; naturalWidth: number };

  /** The uuids shown on the page, after scrolling every (lazy) thumbnail in and waiting for it. */
  async function shown(page: Page): Promise<string[]> {
    const thumbs = page.locator('a.thumb img');
    const count = await thumbs.count();
    for (let i = 0; i < count; i++) {
      const img = thumbs.nth(i);
      await img.scrollIntoViewIfNeeded();
      await expect
        .poll(
          () =>
            img.evaluate((el) => {
              // Runs in the page: only what is written here exists there.
              const state = el as unknown as ImageState;
              return state.complete && state.naturalWidth > 0;
            }),
          { timeout: 10_000 },
        )
        .toBe(true);
    }
    // @types/react declares bare DOM element types for non-browser code, so name what is read here.
    const srcs = await thumbs.evaluateAll((els) =>
      els.map(
        (el) => (el as unknown as { getAttribute(name: string): string | null }).getAttribute('src') ?? '',
      ),
    );
    return srcs.map((src) => src.replace('/fractal/', ''));
  }

  it('pages through the finished fractals, 5 per page, every thumbnail loaded', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('First App Application for OpenStack');

      const page1 = await shown(page);
      expect(page1).toEqual(finished.slice(0, 5));
      expect(page1).not.toContain(pending);
      // Each thumbnail links to its full image; the table shows the parameters.
      for (const uuid of page1) {
        await expect.poll(() => page.locator(`a.thumb[href="/fractal/${uuid}"]`).count()).toBe(1);
      }
      const body = (await page.locator('main').textContent()) ?? '';
      // xa differs per fractal (-1.5 - i) and pages follow uuid order, so match its shape only.
      expect(body).toMatch(/xa = -\d+\.5\n?\s*xb = 1\.5/);
      expect(body).toContain('ya = -1');
      expect(body).toMatch(/\d+ x 30 px/);
      expect(body).toContain('0.500000 seconds');
      expect(body).not.toContain(pending);
      expect(await page.locator('nav.pagination').count()).toBe(2);

      await page.getByRole('link', { name: /next/i }).first().click();
      await page.waitForURL(`${base}/index/2`);
      const page2 = await shown(page);
      expect(page2).toEqual(finished.slice(5, 10));

      await page.getByRole('link', { name: /next/i }).last().click();
      await page.waitForURL(`${base}/index/3`);
      const page3 = await shown(page);
      expect(page3).toEqual(finished.slice(10));
      expect(page3).toHaveLength(2);
      // The last page has no "next" link, only a disabled marker.
      expect(await page.getByRole('link', { name: /next/i }).count()).toBe(0);

      // Opening a thumbnail's link shows the PNG itself.
      const imageResponse = await page.goto(`${base}/fractal/${page3[0]}`);
      expect(imageResponse?.headers()['content-type']).toBe('image/png');

      const beyond = await page.goto(`${base}/index/4`);
      expect(beyond?.status()).toBe(404);
      expect((await page.locator('main').textContent()) ?? '').toContain('There is no page 4');
      await page.getByRole('link', { name: /last page/ }).click();
      await page.waitForURL(`${base}/index/3`);
    } finally {
      await context.close();
    }
  });
});
