/**
 * Sections of docs/benchmarks.md that `npm run bench` does not measure and keeps as they are when it
 * rewrites the file: the test suite's time (issue #20), measured with `jest --json` on the same machine.
 */
export const KEPT_HEADINGS = ['## Test suite time'] as const;

/** The section under `heading` (to the next `## ` heading or the end), or '' when there is none. */
export function sectionOf(document: string, heading: string): string {
  const start = document.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const next = document.indexOf('\n## ', start + 1);
  return `${document.slice(start + 1, next < 0 ? undefined : next + 1).trimEnd()}\n`;
}

/** What a rewrite of the file appends: each kept section the current file has, in order. */
export function keptSections(document: string): string[] {
  return KEPT_HEADINGS.map((heading) => sectionOf(document, heading)).filter((section) => section !== '');
}
