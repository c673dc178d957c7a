// One paragraph of the lesson's text, broken between words to the width (./wrap-words.ts says why
// Ink's own wrap is not used): the chapter view and the chapter's opening screen both show them.
//
// Props: text; width (columns).
import { Text } from 'ink';
import { wrapWords } from './wrap-words.ts';

export function Paragraph({ text, width }: { text: string; width: number }) {
  return <Text>{wrapWords(text, width).join('\n')}</Text>;
}
