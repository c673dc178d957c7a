// A fractal the learner's app just rendered, shown in the terminal when it can show pictures (kitty's
// or iTerm2's protocol, see ../terminal/image-protocol.ts), else a one-line link to the gallery.
//
// How the picture reaches the screen with Ink in charge of it: not as a <Text> child. Ink measures
// every string it lays out and cuts lines at the width; it would count the base64 payload as visible
// characters (Ink issue #633 is the same problem with OSC hyperlinks) and break the sequence, and it
// redraws its frame on every update, which would send the whole image again each time. Instead the
// sequence goes through useStdout().write, which Ink provides for exactly this: it erases its live
// frame, writes our bytes, and draws the frame again below them. The image is written once per PNG,
// lands above the live area (like <Static> output, it stays in the scrollback), and the component
// itself renders only the caption line.
//
// Props: png (Buffer; written again only when it is another Buffer), galleryUrl, caption? (default "the fractal"), columns?/rows? (cells, default
// 32 × 16: square on a terminal whose cells are twice as tall as wide), env? (default process.env;
// which terminal this is).
import { Text, useStdout } from 'ink';
import { useEffect } from 'react';
import { imageSequence } from '../terminal/image-escapes.ts';
import { detectImageProtocol } from '../terminal/image-protocol.ts';

export interface FractalImageProps {
  png: Buffer;
  galleryUrl: string;
  caption?: string;
  columns?: number;
  rows?: number;
  env?: NodeJS.ProcessEnv;
}

export function FractalImage({
  png,
  galleryUrl,
  caption = 'the fractal',
  columns = 32,
  rows = 16,
  env = process.env,
}: FractalImageProps) {
  const { write } = useStdout();
  const protocol = detectImageProtocol(env);
  useEffect(() => {
    if (protocol !== undefined) write(imageSequence(protocol, png, { columns, rows }));
  }, [protocol, png, columns, rows, write]);
  return protocol === undefined ? (
    <Text>
      {caption}: <Text color="cyan">{galleryUrl}</Text>
    </Text>
  ) : (
    <Text>
      {caption} (above) · <Text color="cyan">{galleryUrl}</Text>
    </Text>
  );
}
