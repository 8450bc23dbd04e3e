/**
 * The syntax of an EventBridge Scheduler cron expression, checked at synth so a bad one is refused
 * naming its field rather than at deploy (CreateSchedule) or, worse, read by the schedule-period checks
 * as something it is not. Rules from the EventBridge "Cron expressions reference"
 * (docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html), which the Scheduler user
 * guide's "Schedule types" page uses:
 * - six fields: minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or
 *   SUN-SAT, year 1970-2199;
 * - `,` `-` `*` `/` everywhere; `?` only in day-of-month and day-of-week, where exactly one of the two
 *   is `?` (a value or `*` in one needs `?` in the other); `L` and `W` in day-of-month; `L` and `#` in
 *   day-of-week, where `#` allows a single expression in the field.
 * Strict where the page is silent (a backwards range, a step of 0): refused.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** How the range reads in a message (`1-12 (or JAN-DEC)`). */
  label: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59, label: '0-59' },
  { name: 'hours', min: 0, max: 23, label: '0-23' },
  { name: 'day-of-month', min: 1, max: 31, label: '1-31' },
  { name: 'month', min: 1, max: 12, names: MONTHS, label: '1-12 (or JAN-DEC)' },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, label: '1-7 (or SUN-SAT)' },
  { name: 'year', min: 1970, max: 2199, label: '1970-2199' },
];

/** One value of a field (a number or a name), or why it is not one. */
function value(field: Field, token: string): number | string {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d+$/.test(token)) return `"${token}" is not a value of this field`;
  const n = Number(token);
  return n < field.min || n > field.max ? `${token} is outside ${field.label}` : n;
}

/** One comma-separated part of a plain field: `*`, a value, a range, each with an optional `/step`. */
function plainPart(field: Field, part: string): string | undefined {
  const [range = '', step, ...extra] = part.split('/');
  if (extra.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step)))
    return `${part} has a bad increment (/n with n >= 1)`;
  if (range === '*') return undefined;
  const ends = range.split('-');
  if (ends.length > 2) return `${part} is not a range`;
  const values = ends.map((end) => value(field, end));
  const bad = values.find((v) => typeof v === 'string');
  if (typeof bad === 'string') return bad;
  const [from, to] = values as number[];
  if (to !== undefined && from !== undefined && from > to) return `${range} is a backwards range`;
  return undefined;
}

/** The special forms a day field allows beside plain parts: `L`, `LW`, `nW` (day-of-month); `nL`, `n#k` (day-of-week). */
function dayPart(field: Field, part: string): string | undefined {
  if (field.name === 'day-of-month') {
    if (part === 'L' || part === 'LW') return undefined;
    const weekday = /^(\d+)W$/.exec(part);
    if (weekday) {
      const day = value(field, weekday[1] ?? '');
      return typeof day === 'string' ? day : undefined;
    }
  } else {
    if (part === 'L') return undefined;
    const special = /^(\w+?)(?:L|#[1-5])$/.exec(part);
    if (special) {
      const day = value(field, special[1] ?? '');
      return typeof day === 'string' ? day : undefined;
    }
    if (part.includes('#')) return `${part}: # takes a weekday and an occurrence 1-5 (e.g. 2#1)`;
  }
  return plainPart(field, part);
}

/** Why `expression` is not an EventBridge Scheduler cron expression, naming the field; undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const body = /^cron\((.*)\)$/.exec(expression)?.[1];
  const fields = body?.trim().split(/\s+/);
  if (fields?.length !== 6)
    return `expected six fields: cron(minutes hours day-of-month month day-of-week year), e.g. "cron(0 2 * * ? *)"`;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if (dayOfMonth === '?' && dayOfWeek === '?') return 'day-of-month and day-of-week: only one of them may be ?';
  if (dayOfMonth !== '?' && dayOfWeek !== '?')
    return 'day-of-month and day-of-week: one of them must be ? (both are set)';
  for (const [index, text] of fields.entries()) {
    const field = FIELDS[index] as Field;
    const day = field.name === 'day-of-month' || field.name === 'day-of-week';
    if (text === '?') {
      if (day) continue;
      return `${field.name}: "?" is not allowed here`;
    }
    const parts = text.split(',');
    if (field.name === 'day-of-week' && parts.length > 1 && text.includes('#'))
      return `${field.name}: # allows one expression in the field (${text})`;
    for (const part of parts) {
      const problem = day ? dayPart(field, part) : plainPart(field, part);
      if (problem) return `${field.name}: ${problem}`;
    }
  }
  return undefined;
}
