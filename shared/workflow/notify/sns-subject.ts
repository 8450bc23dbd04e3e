/**
 * Every SNS subject the pipeline publishes (the run notification, a restore's, a drill's) passes here.
 * SNS refuses the whole Publish for a bad subject (InvalidParameter), and the message with it: an
 * operator's restore named with an accent (EC2 Name tags take any Unicode) would fail its execution at
 * Notify after restoring. Subjects must be ASCII, without line breaks or control characters, and
 * under 100 characters (SNS API reference, Publish: Subject); strict where the wording varies, a
 * subject also starts with a letter, digit or punctuation mark, never a space.
 */

/** SNS's limit: fewer than 100 characters. */
export const SNS_SUBJECT_MAX_CHARS = 99;

/** Line breaks, tabs and other control characters (C0, DEL, C1) read as spaces. */
const isControl = (c: string) => {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
};

export function snsSubject(text: string): string {
  const ascii = [...text.normalize('NFKD').replace(/\p{M}/gu, '')]
    // Accents dropped above, not replaced: `données` reads `donnees`, not `donn?es`.
    .map((c) => (isControl(c) ? ' ' : c))
    .join('')
    .replace(/[^ -~]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (ascii.length <= SNS_SUBJECT_MAX_CHARS) return ascii;
  return `${ascii.slice(0, SNS_SUBJECT_MAX_CHARS - 3).trimEnd()}...`;
}
