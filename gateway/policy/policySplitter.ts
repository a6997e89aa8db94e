// Splits a .cedar file into its policies, keeping each one's offset in the file. Cedar would
// parse the whole file as one set, but then policies get anonymous ids (policy0, policy1, …) and
// errors point into a re-numbered set; split here, each policy keeps a readable id and every
// Cedar error maps back to a line and column of the file the human edited.
//
// Cedar's grammar makes this a small scan: outside string literals and `//` comments, `;` only
// ever ends a policy (there are no block comments).

export interface PolicyChunk {
  /** The policy's text, from its first token to its closing `;` (or to end of file if unclosed). */
  text: string;
  /** Offset of `text` in the file, in UTF-16 code units. */
  offset: number;
}

export function splitPolicies(source: string): PolicyChunk[] {
  const chunks: PolicyChunk[] = [];
  let start = -1; // offset of the current policy's first token; -1 while between policies
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      i = newline === -1 ? source.length : newline + 1;
      continue;
    }
    if (ch === '"') {
      if (start === -1) start = i;
      i = skipString(source, i);
      continue;
    }
    if (ch === ';') {
      if (start === -1) start = i; // a stray `;`: let Cedar report it
      chunks.push({ text: source.slice(start, i + 1), offset: start });
      start = -1;
    } else if (start === -1 && ch !== undefined && !/\s/.test(ch)) {
      start = i;
    }
    i += 1;
  }
  if (start !== -1) chunks.push({ text: source.slice(start).trimEnd(), offset: start });
  return chunks;
}

/** Index just past the string literal opening at `open` (or end of input if unterminated). */
function skipString(source: string, open: number): number {
  let i = open + 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i += 1;
  }
  return source.length;
}

/** 1-based line and column of `offset` in `source`. */
export function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i += 1) {
    if (source[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Cedar reports byte offsets into the UTF-8 text it parsed; convert one to a UTF-16 offset. */
export function utf16Offset(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}
