// The engine's questions (begin a chapter, predict, your turn, a failed check) as React state: the
// engine awaits a promise, the screen shows the question, a key resolves it. With --yes the engine
// is given the non-interactive learner and nothing is ever asked.
import { useMemo, useRef, useState } from 'react';
import type { Chapter, Prediction, YourTurn } from '../../steps/chapters.ts';
import type { AfterFailure, CheckResult, Learner } from '../engine/events.ts';

export type Question =
  | { kind: 'begin'; chapter: Chapter }
  | { kind: 'predict'; chapter: Chapter; prediction: Prediction }
  | { kind: 'your-turn'; chapter: Chapter; task: YourTurn }
  | { kind: 'failed'; chapter: Chapter; failed: readonly CheckResult[] };

export type Answer = boolean | number | undefined | 'done' | 'skip' | AfterFailure;

export function useLearner(): {
  learner: Learner;
  question: Question | undefined;
  answer(value: Answer): void;
} {
  const [question, setQuestion] = useState<Question>();
  const resolver = useRef<((value: Answer) => void) | undefined>(undefined);
  const learner = useMemo<Learner>(() => {
    const ask = <T extends Answer>(q: Question) =>
      new Promise<T>((resolve) => {
        resolver.current = resolve as (value: Answer) => void;
        setQuestion(q);
      });
    return {
      begin: (chapter) => ask<boolean>({ kind: 'begin', chapter }),
      predict: (chapter, prediction) => ask<number | undefined>({ kind: 'predict', chapter, prediction }),
      yourTurn: (chapter, task) => ask<'done' | 'skip'>({ kind: 'your-turn', chapter, task }),
      failed: (chapter, failed) => ask<AfterFailure>({ kind: 'failed', chapter, failed }),
    };
  }, []);
  const answer = (value: Answer) => {
    const resolve = resolver.current;
    resolver.current = undefined;
    setQuestion(undefined);
    resolve?.(value);
  };
  return { learner, question, answer };
}
