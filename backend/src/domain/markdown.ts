/**
 * Markdown helpers for documents the sidecar writes from people's text (the postmortem export): text written for
 * one line or one cell must stay there, and nothing a person typed may open a block that swallows the rest.
 */

// CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start inline markup.
const INLINE_SPECIAL = /[\\`*_[\]<>|~&]/g;
// At the start of a line these begin a heading, quote, list item, rule or setext underline.
const LINE_START_SPECIAL = /^(\s*)([#>+\-=]|\d+[.)])/;

/**
 * Escapes text for one line of Markdown (a list item, a heading, a table cell): line breaks become spaces, and
 * nothing in it can start emphasis, a link, HTML, a code span, a cell border or a block.
 */
export function escapeInline(text: string): string {
  const oneLine = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return oneLine
    .replace(INLINE_SPECIAL, (c) => `\\${c}`)
    .replace(
      LINE_START_SPECIAL,
      (_m, space: string, mark: string) => `${space}${mark.replace(/([#>+\-=.)])$/, '\\$1')}`
    );
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * People's own Markdown (a postmortem's summary, impact, root cause, lessons) kept as written, except that a code
 * fence left open is closed, and headings are moved below the document's section level (##), so a "# Notes" line
 * cannot pose as a section of the document.
 */
export function blockText(text: string): string {
  let open: string | null = null;
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const fence = FENCE_LINE.exec(line)?.[1];
      if (fence) {
        if (open === null) open = fence;
        else if (fence[0] === open[0] && fence.length >= open.length) open = null;
        return line;
      }
      if (open !== null) return line;
      return line.replace(/^ {0,3}(#{1,2})(?=\s|$)/, '###');
    });
  if (open !== null) lines.push(open);
  return lines.join('\n').trim();
}

/** A fenced code block that no backtick run inside `code` can close early. */
export function codeBlock(code: string, language = ''): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

/** A link whose target cannot end early: <...> destinations allow spaces and parentheses. */
export function link(label: string, url: string): string {
  return `[${escapeInline(label)}](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)`;
}

/** A table. Header cells are escaped here; row cells are Markdown the caller built (people's text via escapeInline). */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header.map(escapeInline)), line(header.map(() => '---')), ...rows.map((r) => line(r))].join('\n');
}
