// The line of keys at the bottom of the screen, as rustlings shows it: only the keys that do
// something now, each as its letter and a word, help always last.
//
// Props: active: KeyName[] (which of next, retry, code, hint, skip, quit are on; help is always on).
import { Box, Text } from 'ink';
import { KEYS, type KeyName } from './keys.ts';

export interface KeyBarProps {
  active: readonly KeyName[];
}

export function KeyBar({ active }: KeyBarProps) {
  const shown = KEYS.filter((info) => info.name === 'help' || active.includes(info.name));
  return (
    <Box flexWrap="wrap" columnGap={2}>
      {shown.map((info) => (
        <Text key={info.name}>
          <Text bold color="cyan">
            {info.key}
          </Text>{' '}
          <Text dimColor>{info.label}</Text>
        </Text>
      ))}
    </Box>
  );
}
