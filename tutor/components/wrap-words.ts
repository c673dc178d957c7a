// Word wrapping for the chapter's paragraphs. Ink wraps text itself, but keeps the space it breaks
// at as the first character of the next line, so a paragraph's left edge came out ragged; lines
// broken here between words, with the spaces dropped, reach Ink already short enough.

/** The paragraph's words in lines of at most `width` characters; a longer word is cut. */
export function wrapWords(paragraph: string, width: number): string[] {
  const limit = Math.max(1, Math.floor(width));
  const lines: string[] = [];
  let line = '';
  for (let word of paragraph.split(/\s+/).filter((w) => w !== '')) {
    while (word.length > limit) {
      if (line !== '') lines.push(line);
      lines.push(word.slice(0, limit));
      word = word.slice(limit);
      line = '';
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= limit) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
