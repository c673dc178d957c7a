// Predict, observe, explain: a choice or a number typed with the keyboard, then the prediction
// beside the measurement with the sentence on why (tutor/components/prediction-prompt.tsx,
// use-answer-entry.ts).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { PredictionPrompt, type PredictionQuestion } from '../../tutor/components/prediction-prompt.tsx';
import { numberProblem } from '../../tutor/components/use-answer-entry.ts';
import { frameLines, KEY, plain, type, widest } from '../helpers/ink-frame.ts';

const howHigh: PredictionQuestion = {
  kind: 'number',
  text: "How high will app-worker-1's load average climb?",
  min: 0,
  max: 20,
};

const howMuchFaster: PredictionQuestion = {
  kind: 'choice',
  text: 'Three workers instead of one: how much faster will the same backlog drain?',
  choices: [
    'about the same',
    'about twice as fast',
    'about three times as fast',
    'more than three times as fast',
  ],
};

describe('PredictionPrompt with a number', () => {
  it('takes digits, one decimal point and Backspace, and answers on Enter', async () => {
    const answers: number[] = [];
    const { lastFrame, stdin } = render(
      <PredictionPrompt question={howHigh} onAnswer={(n) => answers.push(n)} />,
    );
    expect(frameLines(lastFrame())[0]).toBe("? How high will app-worker-1's load average climb?");
    await type(stdin, '1', '.', '.', '5', 'x', '7');
    expect(frameLines(lastFrame())[1]).toBe('› 1.57');
    await type(stdin, KEY.backspace);
    expect(frameLines(lastFrame())[1]).toBe('› 1.5');
    await type(stdin, KEY.enter);
    expect(answers).toEqual([1.5]);
  });

  it('refuses an empty or out-of-range answer with a sentence, and takes a pasted number', async () => {
    const answers: number[] = [];
    const { lastFrame, stdin } = render(
      <PredictionPrompt question={howHigh} onAnswer={(n) => answers.push(n)} />,
    );
    await type(stdin, KEY.enter);
    expect(plain(lastFrame())).toContain('Type a number, then Enter.');
    await type(stdin, '25', KEY.enter);
    expect(plain(lastFrame())).toContain('Type a number from 0 to 20.');
    expect(answers).toEqual([]);
    await type(stdin, KEY.backspace, KEY.backspace, '0.9', KEY.enter);
    expect(answers).toEqual([0.9]);
  });

  it('shows the prediction, then the observed value and why they differ', () => {
    const { lastFrame, rerender } = render(
      <PredictionPrompt question={howHigh} onAnswer={() => {}} prediction={3} />,
    );
    expect(plain(lastFrame())).toContain('you predicted 3    observed measuring …');
    rerender(
      <PredictionPrompt
        question={howHigh}
        onAnswer={() => {}}
        prediction={3}
        observed={1.02}
        explanation="The load average counts processes wanting a CPU; app-worker-1 has one, so one busy worker holds it near 1.0 however many tasks wait in the queue."
      />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[1]).toBe('you predicted 3    observed 1.02');
    // The sentence, wrapped to the width.
    expect(lines.slice(2).join(' ')).toContain('so one busy worker holds it near 1.0 however many tasks');
    // No entry any more: the prompt has its answer.
    expect(plain(lastFrame())).not.toContain('Enter to answer');
  });
});

describe('PredictionPrompt with choices', () => {
  it('moves with ↑↓, jumps with a number, and answers the choice on Enter', async () => {
    const answers: number[] = [];
    const { lastFrame, stdin } = render(
      <PredictionPrompt question={howMuchFaster} onAnswer={(n) => answers.push(n)} />,
    );
    const selected = () => frameLines(lastFrame()).find((line) => line.startsWith('›'));
    expect(selected()).toBe('› 1. about the same');
    await type(stdin, KEY.down, KEY.down);
    expect(selected()).toBe('› 3. about three times as fast');
    await type(stdin, KEY.up, KEY.up, KEY.up);
    expect(selected()).toBe('› 4. more than three times as fast');
    await type(stdin, '2', KEY.enter);
    expect(answers).toEqual([1]);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it("words the prediction and the observation with the choices' text", () => {
    const { lastFrame } = render(
      <PredictionPrompt
        question={howMuchFaster}
        onAnswer={() => {}}
        prediction={2}
        observed="2.6 times as fast"
        explanation="Three workers share the backlog, but app-services' database and queue now serve three."
      />,
    );
    expect(frameLines(lastFrame())[1]).toBe(
      'you predicted about three times as fast    observed 2.6 times as fast',
    );
  });

  it('takes no keys when not active', async () => {
    const answers: number[] = [];
    const { stdin } = render(
      <PredictionPrompt question={howMuchFaster} onAnswer={(n) => answers.push(n)} isActive={false} />,
    );
    await type(stdin, '2', KEY.enter);
    expect(answers).toEqual([]);
  });
});

describe('numberProblem', () => {
  it('says what is wrong with a typed number, or nothing', () => {
    expect(numberProblem('', 0, 5)).toBe('Type a number, then Enter.');
    expect(numberProblem('.', 0, 5)).toBe('Type a number, then Enter.');
    expect(numberProblem('7', 0, 5)).toBe('Type a number from 0 to 5.');
    expect(numberProblem('7', 10)).toBe('Type a number from 10 to ∞.');
    expect(numberProblem('4.5', 0, 5)).toBeUndefined();
  });
});
