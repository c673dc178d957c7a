// Runs the engine once, for the app's lifetime, and folds its events into the screen's state.
import { useEffect, useReducer, useRef, useState } from 'react';
import type { Learner } from '../engine/events.ts';
import { type LessonOptions, type LessonOutcome, runLesson } from '../engine/run-lesson.ts';
import { initialState, reduce } from '../engine/state.ts';

export function useLesson(options: Omit<LessonOptions, 'learner' | 'emit'>, learner: Learner) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [outcome, setOutcome] = useState<LessonOutcome | { error: string }>();
  // The lesson runs once per app: the options and the learner of the first render are its own.
  const first = useRef({ options, learner });
  useEffect(() => {
    runLesson({ ...first.current.options, learner: first.current.learner, emit: dispatch }).then(
      setOutcome,
      (error: Error) => setOutcome({ error: error.message }),
    );
  }, []);
  return { state, outcome };
}
