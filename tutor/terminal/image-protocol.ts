// Which inline-image protocol this terminal speaks, from the environment the terminals document:
// kitty sets KITTY_WINDOW_ID and TERM=xterm-kitty; Ghostty (TERM_PROGRAM=ghostty) implements kitty's
// graphics protocol; iTerm2 sets TERM_PROGRAM=iTerm.app, and LC_TERMINAL=iTerm2, which survives ssh;
// WezTerm (TERM_PROGRAM=WezTerm) implements iTerm2's. Anything else gets none, and the tutor prints a
// link instead of a picture.
//
// Inside tmux or screen there is none either, even in kitty or iTerm2 (whose variables tmux passes
// on): a multiplexer drops or garbles these sequences unless passthrough is configured, and we would
// rather show a link than a screenful of base64.

export type ImageProtocol = 'kitty' | 'iterm2';

export function detectImageProtocol(env: NodeJS.ProcessEnv): ImageProtocol | undefined {
  if (env.TMUX || env.STY || env.TERM?.startsWith('screen') || env.TERM?.startsWith('tmux')) return undefined;
  if (env.KITTY_WINDOW_ID || env.TERM === 'xterm-kitty') return 'kitty';
  if (env.TERM_PROGRAM === 'ghostty' || env.TERM === 'xterm-ghostty') return 'kitty';
  if (env.TERM_PROGRAM === 'iTerm.app' || env.LC_TERMINAL === 'iTerm2') return 'iterm2';
  if (env.TERM_PROGRAM === 'WezTerm') return 'iterm2';
  return undefined;
}
