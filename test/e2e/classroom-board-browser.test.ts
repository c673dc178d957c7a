// The teacher's board in a real (headless) Chromium: without the teacher's link it says what it needs;
// with it, students who join appear live without a reload, a stuck student is highlighted (a class and
// a visible word), each check of the chapter shows ✓ ✗ or … pending, and the class chart draws a mark
// for every student's figures and predictions. The board runs on a real port in this process.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Board, createBoard } from '../../src/classroom/board/server.ts';
import type { JoinReply } from '../../src/classroom/protocol.ts';
import { CHAPTERS, chapterByNumber } from '../../steps/chapters.ts';
import { FIGURE_NAMES, figureValues, joinBoard, postEvents } from '../helpers/classroom-lesson.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../helpers/services.ts';

const run = await chromiumAvailable();

describe.runIf(run)("the teacher's board in Chromium", () => {
  let board: Board;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    board = createBoard({ room: 'Room 101' });
    base = await board.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await board?.app.close();
  });

  /** A page that records its errors (a script error or a refused resource would show here). */
  async function open(url: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url);
    return { page, errors, close: () => context.close() };
  }

  it("says it needs the teacher's link when the URL has no token, and shows no class", async () => {
    const { page, errors, close } = await open(`${base}/`);
    try {
      await expect.poll(() => page.locator('#needs-token').isVisible()).toBe(true);
      expect(await page.locator('#needs-token').textContent()).toContain("needs the teacher's link");
      expect(await page.locator('#class').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows students live as they join and report, highlights the stuck one, and draws the class chart', async () => {
    const { page, errors, close } = await open(`${base}/#token=${board.teacherToken}`);
    try {
      await expect.poll(() => page.locator('#join-code').textContent()).toBe(board.joinCode);
      expect(await page.locator('#command').textContent()).toBe(
        `npx faafo-tutor --join ${base} ${board.joinCode} --name "Your Name"`,
      );
      const rows = page.locator('#students tbody tr');
      expect(await rows.count()).toBe(0);

      // Students join while the page is open: they appear without a reload. A name is shown as text.
      const names = ['Ada', 'Bo "the" & Co', 'Cy'];
      const students: JoinReply[] = [];
      for (const name of names) {
        students.push(await joinBoard(base, board.joinCode, name));
        await expect.poll(() => rows.count()).toBe(students.length);
      }
      expect(await page.locator('#students tbody .student-name').allTextContents()).toEqual(names);
      const [ada, bo, cy] = students as [JoinReply, JoinReply, JoinReply];

      // Ada is in chapter 5 with one check passed and one failed: stuck, with the check's hint.
      const five = chapterByNumber(5)!;
      const [steps, groups] = five.checks;
      await postEvents(base, ada.token, [
        { type: 'chapter', chapter: 5, title: five.title },
        {
          type: 'check',
          chapter: 5,
          id: steps!.id,
          label: steps!.label,
          ok: true,
          saw: 'ok',
          hint: steps!.hint,
        },
        {
          type: 'check',
          chapter: 5,
          id: groups!.id,
          label: groups!.label,
          ok: false,
          saw: 'group worker has no rule for port 5672',
          hint: groups!.hint,
        },
      ]);
      const adaRow = page.locator(`tr[data-student="${ada.studentId}"]`);
      await expect.poll(() => adaRow.getAttribute('class')).toContain('stuck');
      expect(await adaRow.locator('.badge.stuck').textContent()).toBe('stuck');
      expect(await adaRow.locator('.badge.stuck').isVisible()).toBe(true);
      expect(await adaRow.locator('td.chapter').textContent()).toBe(`5/8${five.title}`);
      expect(await adaRow.locator('ul.checks li .mark').allTextContents()).toEqual(['✓', '✗', '…', '…', '…']);
      expect(await adaRow.locator('td.last-failing').textContent()).toContain(groups!.hint);
      const boRow = page.locator(`tr[data-student="${bo.studentId}"]`);
      expect((await boRow.getAttribute('class')) ?? '').not.toContain('stuck');
      expect(await page.locator('#count').textContent()).toBe('3 joined, 1 stuck');

      // The check passes on a retry: no longer stuck.
      await postEvents(base, ada.token, [
        {
          type: 'check',
          chapter: 5,
          id: groups!.id,
          label: groups!.label,
          ok: true,
          saw: 'ok',
          hint: groups!.hint,
        },
      ]);
      await expect.poll(async () => (await adaRow.getAttribute('class')) ?? '').not.toContain('stuck');
      expect(await adaRow.locator('.badge.stuck').count()).toBe(0);

      // Bo and Cy measure: the chart draws a before and an after bar per figure for each, and their
      // predictions beside what they measured.
      for (const [n, student] of [bo, cy].entries()) {
        const values = figureValues(n);
        await postEvents(base, student.token, [
          { type: 'prediction', chapter: 6, id: 'drain-speedup', predicted: 3, observed: 1.8 + n, unit: '×' },
          ...FIGURE_NAMES.map((figure) => ({
            type: 'figure' as const,
            figure,
            before: values[figure][0],
            after: values[figure][1],
            higherIsBetter: figure === 'fractals per second',
          })),
        ]);
      }
      for (const student of [bo, cy]) {
        const marks = page.locator(`#chart svg rect.mark[data-student="${student.studentId}"]`);
        await expect.poll(() => marks.count()).toBe(FIGURE_NAMES.length * 2);
        expect(
          await page.locator(`#chart svg circle.mark[data-student="${student.studentId}"]`).count(),
        ).toBe(2);
      }
      expect(await page.locator('#chart svg').count()).toBe(FIGURE_NAMES.length + 1);
      // A bar's drawn width follows the value (as the browser lays it out, so no style can squash it):
      // in the first panel (throughput), each bar is after ÷ max of the class's values wide.
      const width = async (student: JoinReply, phase: 'before' | 'after') =>
        (await page
          .locator('#chart svg')
          .first()
          .locator(`rect.mark.${phase}[data-student="${student.studentId}"]`)
          .boundingBox())!.width;
      const throughput = (n: number) => figureValues(n)['fractals per second'];
      const max = Math.max(...throughput(0), ...throughput(1));
      const full = (await width(cy, 'after')) / (throughput(1)[1] / max);
      expect(full).toBeGreaterThan(300);
      for (const [n, student] of [bo, cy].entries())
        for (const [i, phase] of (['before', 'after'] as const).entries())
          expect(await width(student, phase)).toBeCloseTo((throughput(n)[i]! / max) * full, 0);
      expect(await page.locator('#chart').textContent()).toContain('Bo "the" & Co');
      // A prediction's panel is titled with the question the students answered, not its id.
      const question = CHAPTERS.flatMap((c) => c.predictions).find((p) => p.id === 'drain-speedup')!.question;
      expect(await page.locator('#chart svg').last().locator('text.title').textContent()).toBe(question);

      // Time on the chapter counts on the page's own clock, and stops for a student who finished.
      const boTime = page.locator(`tr[data-student="${bo.studentId}"] td.time`);
      expect(await boTime.textContent()).toMatch(/^\d+:\d\d$/);
      await postEvents(base, cy.token, [{ type: 'finished', outcome: 'completed' }]);
      const cyRow = page.locator(`tr[data-student="${cy.studentId}"]`);
      await expect.poll(() => cyRow.locator('.badge.finished').textContent()).toBe('finished');
      expect(await cyRow.locator('td.time').textContent()).toBe('—');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
