// Predict, observe, explain: before a measurement the learner commits to a guess (a choice, or a
// number), the tutor measures, and the guess is shown beside what was observed with a sentence on
// why they differ. Guessing first is what makes the figure stick; the sentence turns a wrong guess
// into the lesson.
//
// Props: question: { kind: 'choice', text, choices } | { kind: 'number', text, unit?, min?, max? };
// onAnswer(answer) (a choice's index, or the number) when Enter confirms it; prediction? (the answer
// once given: the prompt stops taking keys and shows it); observed? (the measured value, a number in
// the question's unit or a phrase); explanation? (the sentence); isActive? (default true).
import { Box, Text } from 'ink';
import { useChoiceEntry, useNumberEntry } from './use-answer-entry.ts';

export type PredictionQuestion =
  | { kind: 'choice'; text: string; choices: readonly string[] }
  | { kind: 'number'; text: string; unit?: string; min?: number; max?: number };

export interface PredictionPromptProps {
  question: PredictionQuestion;
  onAnswer: (answer: number) => void;
  prediction?: number;
  observed?: number | string;
  explanation?: string;
  isActive?: boolean;
}

type ChoiceQuestion = Extract<PredictionQuestion, { kind: 'choice' }>;
type NumberQuestion = Extract<PredictionQuestion, { kind: 'number' }>;

function ChoiceEntry({
  question,
  onAnswer,
}: {
  question: ChoiceQuestion;
  onAnswer: (answer: number) => void;
}) {
  const { selected } = useChoiceEntry({ count: question.choices.length, onAnswer });
  return (
    <Box flexDirection="column">
      {question.choices.map((choice, index) => (
        <Text key={choice} color={index === selected ? 'cyan' : undefined}>
          {index === selected ? '›' : ' '} {index + 1}. {choice}
        </Text>
      ))}
      <Text dimColor>↑↓ or a number to choose, Enter to answer</Text>
    </Box>
  );
}

function NumberEntry({
  question,
  onAnswer,
}: {
  question: NumberQuestion;
  onAnswer: (answer: number) => void;
}) {
  const { text, problem } = useNumberEntry({ min: question.min, max: question.max, onAnswer });
  return (
    <Box flexDirection="column">
      <Text>
        › <Text color="cyan">{text}</Text>
        <Text inverse> </Text>
        {question.unit ? ` ${question.unit}` : ''}
      </Text>
      <Text dimColor={problem === undefined} color={problem === undefined ? undefined : 'yellow'}>
        {problem ?? 'type a number, Enter to answer'}
      </Text>
    </Box>
  );
}

/** An answer or a measured value as the question words it: a choice's text, or the number with its unit. */
export function answerText(question: PredictionQuestion, value: number | string): string {
  if (typeof value === 'string') return value;
  if (question.kind === 'choice') return question.choices[value] ?? String(value);
  return question.unit ? `${value} ${question.unit}` : String(value);
}

export function PredictionPrompt({
  question,
  onAnswer,
  prediction,
  observed,
  explanation,
  isActive = true,
}: PredictionPromptProps) {
  const asking = prediction === undefined;
  return (
    <Box flexDirection="column">
      <Text bold>? {question.text}</Text>
      {asking && isActive && question.kind === 'choice' ? (
        <ChoiceEntry question={question} onAnswer={onAnswer} />
      ) : null}
      {asking && isActive && question.kind === 'number' ? (
        <NumberEntry question={question} onAnswer={onAnswer} />
      ) : null}
      {asking ? null : (
        <Box flexDirection="column">
          <Box columnGap={4}>
            <Text>
              <Text dimColor>you predicted </Text>
              {answerText(question, prediction)}
            </Text>
            <Text>
              <Text dimColor>observed </Text>
              {observed === undefined ? (
                <Text dimColor>measuring …</Text>
              ) : (
                <Text bold>{answerText(question, observed)}</Text>
              )}
            </Text>
          </Box>
          {observed !== undefined && explanation ? <Text>{explanation}</Text> : null}
        </Box>
      )}
    </Box>
  );
}
