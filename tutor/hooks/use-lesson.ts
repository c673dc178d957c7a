// Runs the engine once, for the app's lifetime, and folds its events into the screen's state. In a
// classroom every event is also handed to the session, and the session's lines become notes.
import { useEffect, useReducer, useRef, useState } from 'react';
import type { ConsoleTap } from '../app/console-tap.ts';
import type { ClassroomSession } from '../classroom.ts';
import type { Learner, TutorEvent } from '../engine/events.ts';
import { type LessonOptions, type LessonOutcome, runLesson } from '../engine/run-lesson.ts';
import { initialState, reduce } from '../engine/state.ts';

export function useLesson(
  options: Omit<LessonOptions, 'learner' | 'emit'>,
  learner: Learner,
  classroom?: Pick<ClassroomSession, 'greeting' | 'observe' | 'showTroubleWith'>,
  stepOutput?: Pick<ConsoleTap, 'listen'>,
) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [outcome, setOutcome] = useState<LessonOutcome | { error: string }>();
  // The lesson runs once per app: the options and the learner of the first render are its own.
  const first = useRef({ options, learner, classroom, stepOutput });
  useEffect(() => {
    const room = first.current.classroom;
    first.current.stepOutput?.listen((text) => dispatch({ type: 'step-output', chapter: 0, text }));
    const note = (text: string) => dispatch({ type: 'note', chapter: 0, text });
    room?.showTroubleWith(note);
    // The greeting is a note of the first chapter (a chapter's start clears the notes before it).
    const greeting = [...(room?.greeting ?? [])];
    const emit = (event: TutorEvent) => {
      dispatch(event);
      if (event.type === 'chapter-started') for (const text of greeting.splice(0)) note(text);
      room?.observe(event);
    };
    runLesson({ ...first.current.options, learner: first.current.learner, emit }).then(
      setOutcome,
      (error: Error) => setOutcome({ error: error.message }),
    );
  }, []);
  return { state, outcome };
}
