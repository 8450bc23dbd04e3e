/**
 * End to end: `npm start` on a terminal of 80 and 100 columns (script(1) gives it a pseudo-terminal, sized
 * with stty), the captured bytes replayed on a model of the terminal's screen (tests/support/terminal-
 * screen.ts). The live progress line is redrawn in place and never wraps, so no piece of an older line is
 * left on the screen; with TERM=dumb the progress comes as plain lines without a single escape byte.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { killStragglers, ROOT, runProcess } from '../support/processes';
import { renderScreen } from '../support/terminal-screen';

jest.setTimeout(120_000);
afterAll(killStragglers);

const ESC = '\u001b';
const SCRIPT = '/usr/bin/script';
const onTerminal = existsSync(SCRIPT) ? describe : describe.skip;

/** `npm start` (a small fleet, default pace) on a pseudo-terminal of `columns`, with `TERM`. */
function onPty(columns: number, term: string) {
  const cli = [process.execPath, join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/index.ts', 'local']
    .concat(['--fleet', '3:60-600', '--copy-to', 'none'])
    .map((part) => `'${part}'`)
    .join(' ');
  return runProcess(SCRIPT, ['-qec', `stty cols ${columns} rows 40; exec ${cli}`, '/dev/null'], {
    env: {
      ...process.env,
      TERM: term,
      NO_COLOR: '',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_ENDPOINT_URL: '',
      AWS_ENDPOINT_URL_DYNAMODB: '',
    },
  });
}

/** The screen rows from the first progress row (the `Started` line above it may wrap) to the blank line after. */
function progressRows(rows: string[]): string[] {
  const first = rows.findIndex((r) => /^\[\d\d:\d\d:\d\d sim\]/.test(r));
  const blank = rows.findIndex((r, i) => i > first && r === '');
  return rows.slice(first, blank);
}

onTerminal('progress on a terminal', () => {
  it.each([80, 100])('at %p columns redraws one line that never wraps: no leftovers on the screen', async (columns) => {
    // Act
    const out = await onPty(columns, 'xterm');

    // Assess: it redrew in place, in colour, and the longest line it drew fits.
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`\r${ESC}[2K`);
    expect(out.stdout).toContain(`${ESC}[32m#`);
    const screen = renderScreen(out.stdout, columns);
    expect(screen.wrapped.filter((row) => /^\[\d\d:\d\d:\d\d sim\]/.test(row))).toEqual([]);
    // One progress row is left, the last one drawn; nothing of an earlier, longer one.
    const rows = progressRows(screen.rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^\[\d\d:\d\d:\d\d sim\] \[#+\] 3\/3 done — finished$/);
  });

  it('with TERM=dumb prints plain progress lines and not one escape byte', async () => {
    // Act
    const out = await onPty(80, 'dumb');

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain(ESC);
    const lines = out.stdout.split(/\r?\n/).filter((l) => /^\[\d\d:\d\d:\d\d sim\] /.test(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line).not.toContain('\r');
      expect(line.length).toBeLessThanOrEqual(79);
    }
    expect(lines.at(-1)).toMatch(/3\/3 done — finished$/);
  });
});
