// Typing an answer without a text-input package: a choice picked with ↑/↓ (or its number) and Enter,
// or a number typed digit by digit (one decimal point, Backspace, Enter). Each hook owns only what
// is on screen while typing; the answer goes to `onAnswer` when Enter confirms it.
import { useInput } from 'ink';
import { useState } from 'react';

export function useChoiceEntry(options: {
  count: number;
  onAnswer: (index: number) => void;
  isActive?: boolean;
}): { selected: number } {
  const { count, onAnswer, isActive = true } = options;
  const [selected, setSelected] = useState(0);
  useInput(
    (input, key) => {
      if (key.upArrow) setSelected((s) => (s + count - 1) % count);
      else if (key.downArrow) setSelected((s) => (s + 1) % count);
      else if (key.return) onAnswer(selected);
      else if (/^[1-9]$/.test(input) && Number(input) <= count) setSelected(Number(input) - 1);
    },
    { isActive: isActive && count > 0 },
  );
  return { selected };
}

/** Why a typed number is not accepted yet, or undefined when it is. */
export function numberProblem(text: string, min?: number, max?: number): string | undefined {
  if (text === '' || text === '.') return 'Type a number, then Enter.';
  const value = Number(text);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    return `Type a number from ${min ?? '−∞'} to ${max ?? '∞'}.`;
  }
  return undefined;
}

export function useNumberEntry(options: {
  min?: number;
  max?: number;
  onAnswer: (value: number) => void;
  isActive?: boolean;
}): { text: string; problem: string | undefined } {
  const { min, max, onAnswer, isActive = true } = options;
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  useInput(
    (input, key) => {
      if (key.return) {
        const why = numberProblem(text, min, max);
        setProblem(why);
        if (why === undefined) onAnswer(Number(text));
      } else if (key.backspace || key.delete) {
        setText((t) => t.slice(0, -1));
      } else if (/^[0-9.]+$/.test(input)) {
        // Several characters arrive at once when pasted; the result must still be one number.
        setText((t) => (/^\d*\.?\d*$/.test(t + input) ? t + input : t));
        setProblem(undefined);
      }
    },
    { isActive },
  );
  return { text, problem };
}
