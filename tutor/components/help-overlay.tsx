// Every key with a sentence on what it does, in a box the parent shows over the chapter while
// useKeys says help is open. Keys that do nothing at this moment are listed too, marked, so a
// learner learns the whole set once.
//
// Props: active: KeyName[] (as for KeyBar; help itself is always on).
import { Box, Text } from 'ink';
import { KEYS, type KeyName } from './keys.ts';

export interface HelpOverlayProps {
  active: readonly KeyName[];
}

export function HelpOverlay({ active }: HelpOverlayProps) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={72}>
      <Text bold>Keys (? or Esc closes this help)</Text>
      {KEYS.map((info) => {
        const on = info.name === 'help' || active.includes(info.name);
        return (
          <Text key={info.name} dimColor={!on}>
            <Text bold color={on ? 'cyan' : undefined}>
              {info.key}
            </Text>
            {`  ${info.label.padEnd(6)}${info.description}${on ? '' : ' (not now)'}`}
          </Text>
        );
      })}
    </Box>
  );
}
