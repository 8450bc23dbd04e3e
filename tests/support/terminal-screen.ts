/**
 * What a terminal of `columns` shows for a captured output: printable characters at the cursor, `\r` to
 * the row's start, `\n` to the next row, `ESC[2K` clears the row, other CSI sequences (colours) take no
 * room, and a character past the last column wraps onto a new row, as xterm does. A redrawn line longer
 * than the terminal leaves its wrapped start behind, which `\r ESC[2K` cannot clear: the rows show it.
 */
const ESC = '\u001b';

export interface Screen {
  rows: string[];
  /** The rows, as the terminal showed them when each wrapped onto the next. */
  wrapped: string[];
}

export function renderScreen(raw: string, columns: number): Screen {
  const rows: string[][] = [[]];
  const wrapped: string[] = [];
  let row = 0;
  let col = 0;
  const current = () => {
    rows[row] ??= [];
    return rows[row] as string[];
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === ESC && raw[i + 1] === '[') {
      let end = i + 2;
      while (end < raw.length && !/[@-~]/.test(raw[end] as string)) end++;
      const params = raw.slice(i + 2, end);
      if (raw[end] === 'K' && params === '2') rows[row] = [];
      i = end;
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      current();
    } else {
      if (col >= columns) {
        wrapped.push(current().join(''));
        row++;
        col = 0;
      }
      const cells = current();
      while (cells.length < col) cells.push(' ');
      cells[col] = ch;
      col++;
    }
  }
  return { rows: rows.map((r) => (r ?? []).join('').trimEnd()), wrapped };
}
