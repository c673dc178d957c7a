// The tutor's keys, as one table: the key bar, the help overlay and useKeys all read it, so a key
// shown is a key handled. Single letters as rustlings uses them, no modifiers (they travel badly
// through ssh, tmux and a projector's terminal).

export type KeyName = 'next' | 'retry' | 'code' | 'hint' | 'skip' | 'quit' | 'help';

export interface KeyInfo {
  name: KeyName;
  /** What the learner types. */
  key: string;
  /** The word the key bar shows. */
  label: string;
  /** The help overlay's sentence. */
  description: string;
}

export const KEYS: readonly KeyInfo[] = [
  { name: 'next', key: 'n', label: 'next', description: 'Go on to the next step or chapter.' },
  { name: 'retry', key: 'r', label: 'retry', description: 'Run the failed check again, after a fix.' },
  { name: 'code', key: 'c', label: 'code', description: 'Show or hide the step file being run.' },
  { name: 'hint', key: 'h', label: 'hint', description: 'Show the hint for the failed check.' },
  { name: 'skip', key: 's', label: 'skip', description: 'Skip this "your turn" task or question.' },
  { name: 'quit', key: 'q', label: 'quit', description: 'Quit; the next start resumes here.' },
  { name: 'help', key: '?', label: 'help', description: 'Show or hide this help.' },
];

/** The key a typed character stands for, if any. */
export function keyNamed(input: string): KeyInfo | undefined {
  return KEYS.find((info) => info.key === input);
}
