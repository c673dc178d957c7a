// What the tutor's keys (the table in ../components/keys.ts, listed at the bottom as rustlings does)
// do now: each answers the question open (a prediction also takes 1–4), or toggles a view (code,
// hints, help). One place maps keys to actions, and says which keys the key bar shows as active.
import { useInput } from 'ink';
import { useState } from 'react';
import { type KeyName, keyNamed } from '../components/keys.ts';
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

/** What a key means for the open question; 'none' when it answers nothing. */
export function answerFor(question: Question | undefined, input: string, enter: boolean): Answer | 'none' {
  if (!question) return 'none';
  // Letters go through the one key table (../components/keys.ts); a prediction also takes 1–4.
  const name = keyNamed(input)?.name;
  const next = name === 'next' || enter;
  switch (question.kind) {
    case 'begin':
      return next ? true : name === 'quit' ? false : 'none';
    case 'predict': {
      const choice = question.prediction.choices[Number(input) - 1];
      if (choice) return choice.value;
      return name === 'skip' ? undefined : 'none';
    }
    case 'your-turn':
      return next ? 'done' : name === 'skip' ? 'skip' : 'none';
    case 'failed':
      return name === 'retry' ? 'retry' : name === 'skip' ? 'skip' : name === 'quit' ? 'quit' : 'none';
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
    const name = keyNamed(input)?.name;
    if (name === 'quit') return quit();
    if (name === 'code') return setViews((v) => ({ ...v, code: !v.code, scroll: 0 }));
    if (name === 'hint') return setViews((v) => ({ ...v, hint: !v.hint }));
    if (name === 'help') return setViews((v) => ({ ...v, help: !v.help }));
    if (key.escape) return setViews((v) => ({ ...v, help: false }));
    if (key.downArrow) return setViews((v) => ({ ...v, scroll: v.scroll + 1 }));
    if (key.upArrow) return setViews((v) => ({ ...v, scroll: Math.max(0, v.scroll - 1) }));
  });
  return views;
}
