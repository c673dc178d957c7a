// What the tutor's keys (the table in ../components/keys.ts, listed at the bottom as rustlings does)
// do now: each answers the question open (a prediction also takes 1–4), or toggles a view (code,
// hints, help). One place maps keys to actions, and says which keys the key bar shows as active.
import { useInput } from 'ink';
import { useState } from 'react';
import type { KeyName } from '../components/keys.ts';
import type { Answer, Question } from './use-learner.ts';

export interface Views {
  code: boolean;
  hint: boolean;
  help: boolean;
  scroll: number;
}

/** The keys that do something now: the question's answers, the views, quit and help. */
export function activeKeys(question: Question | undefined, stepRunning: boolean): KeyName[] {
  const answers: Record<Question['kind'], KeyName[]> = {
    begin: ['next'],
    predict: ['skip'],
    'your-turn': ['next', 'skip'],
    failed: ['retry', 'skip', 'hint'],
  };
  const views: KeyName[] = stepRunning ? ['code'] : [];
  return [...(question ? answers[question.kind] : (['hint'] as KeyName[])), ...views, 'quit', 'help'];
}

/** What a key means for the open question; undefined when it answers nothing. */
export function answerFor(question: Question | undefined, input: string, enter: boolean): Answer | 'none' {
  if (!question) return 'none';
  const next = input === 'n' || enter;
  switch (question.kind) {
    case 'begin':
      return next ? true : input === 'q' ? false : 'none';
    case 'predict': {
      const choice = question.prediction.choices[Number(input) - 1];
      if (choice) return choice.value;
      return input === 's' ? undefined : 'none';
    }
    case 'your-turn':
      return next ? 'done' : input === 's' ? 'skip' : 'none';
    case 'failed':
      return input === 'r' ? 'retry' : input === 's' ? 'skip' : input === 'q' ? 'quit' : 'none';
  }
}

export function useKeys(
  question: Question | undefined,
  answer: (value: Answer) => void,
  quit: () => void,
): Views {
  const [views, setViews] = useState<Views>({ code: false, hint: false, help: false, scroll: 0 });
  useInput((input, key) => {
    const answered = answerFor(question, input, key.return);
    if (answered !== 'none') return answer(answered);
    if (input === 'q') return quit();
    if (input === 'c') return setViews((v) => ({ ...v, code: !v.code, scroll: 0 }));
    if (input === 'h') return setViews((v) => ({ ...v, hint: !v.hint }));
    if (input === '?') return setViews((v) => ({ ...v, help: !v.help }));
    if (key.escape) return setViews((v) => ({ ...v, help: false }));
    if (key.downArrow) return setViews((v) => ({ ...v, scroll: v.scroll + 1 }));
    if (key.upArrow) return setViews((v) => ({ ...v, scroll: Math.max(0, v.scroll - 1) }));
  });
  return views;
}
