// The tutor's key handling in one hook: a typed letter becomes a KeyName handed to `onKey` when
// that key is active now, and `?` (always on) opens and closes the help overlay, which Esc also
// closes. The parent passes `isActive: false` while something else owns the keyboard (a prediction
// being typed), so a digit or an `n` typed there is not also "next".
import { useInput } from 'ink';
import { useState } from 'react';
import { type KeyName, keyNamed } from './keys.ts';

export interface UseKeysOptions {
  /** The keys that do something now; the others are ignored (and not shown by KeyBar). */
  active: readonly KeyName[];
  onKey: (name: KeyName) => void;
  isActive?: boolean;
}

export function useKeys({ active, onKey, isActive = true }: UseKeysOptions): { helpOpen: boolean } {
  const [helpOpen, setHelpOpen] = useState(false);
  useInput(
    (input, key) => {
      if (key.escape) {
        setHelpOpen(false);
        return;
      }
      const info = keyNamed(input);
      if (info === undefined) return;
      if (info.name === 'help') {
        setHelpOpen((open) => !open);
        return;
      }
      if (active.includes(info.name)) onKey(info.name);
    },
    { isActive },
  );
  return { helpOpen };
}
