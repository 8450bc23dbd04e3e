/**
 * The report's markup primitives: an `html` template tag whose interpolated values are escaped unless
 * they are already markup (`Html`), so every value from the state table reaches the page escaped.
 */

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
export class Html {
  constructor(readonly value: string) {}
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function renderPart(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(renderPart).join('');
  if (part === undefined || part === null || part === false || part === true) return '';
  return escapeHtml(String(part));
}

/** Template tag: literal markup stays, every interpolated value is escaped unless it is Html itself. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, i) => {
    out += renderPart(part) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
