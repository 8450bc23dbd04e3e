/**
 * The longest wait between two firings of an EventBridge Scheduler cron expression (UTC), so config
 * validation can tell whether a tier's backups outlive the wait for its next run. Pure and exact for
 * the supported syntax: it walks every day of one 28-year Gregorian cycle (2001-2028; within 1901-2099
 * every date/weekday pattern recurs with that period), about 10,000 days, in milliseconds at synth.
 *
 * Supported: numbers, names (JAN-DEC, SUN-SAT), `*`, `?`, lists, ranges, steps, `L` in day-of-month,
 * `nL` and `n#k` in day-of-week. `W` (nearest weekday) and a restricted year field answer `undefined`
 * ("cannot tell"), and callers then skip the check rather than guess.
 */

const MINUTES_PER_DAY = 1440;
const CYCLE_START = Date.UTC(2001, 0, 1);
const CYCLE_DAYS = 10_227; // 2001-01-01 .. 2028-12-31
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export type ScheduleGap = { minutes: number } | 'never';

/** Values of one plain field (lists, ranges, steps, `*`, names), or undefined when it uses other syntax. */
function parseField(text: string, min: number, max: number, names: string[] = []): Set<number> | undefined {
  const value = (token: string): number | undefined => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + min;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*' || range === '?') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a);
      to = value(b);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    if (from === undefined || to === undefined || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

type DayMatcher = (date: Date) => boolean;

function dayOfMonthMatcher(text: string): DayMatcher | undefined {
  if (text.includes('W')) return undefined;
  const plain = text
    .split(',')
    .filter((p) => p !== 'L')
    .join(',');
  const last = text.split(',').includes('L');
  const days = plain === '' ? new Set<number>() : parseField(plain, 1, 31);
  if (!days) return undefined;
  return (date) => {
    const day = date.getUTCDate();
    const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    return days.has(day) || (last && day === lastDay);
  };
}

function dayOfWeekMatcher(text: string): DayMatcher | undefined {
  const tests: DayMatcher[] = [];
  for (const part of text.split(',')) {
    const weekday = (token: string) => parseField(token, 1, 7, WEEKDAYS);
    const nth = /^(\w+)#([1-5])$/.exec(part);
    const lastOf = /^(\w+)L$/.exec(part);
    if (nth) {
      const days = weekday(nth[1] ?? '');
      const k = Number(nth[2]);
      if (!days) return undefined;
      tests.push((d) => days.has(d.getUTCDay() + 1) && Math.ceil(d.getUTCDate() / 7) === k);
    } else if (lastOf || part === 'L') {
      // `L` alone is the last day of the week (Saturday); `5L` the last Thursday of the month.
      const days = lastOf ? weekday(lastOf[1] ?? '') : new Set([7]);
      if (!days) return undefined;
      tests.push((d) => {
        if (part === 'L') return d.getUTCDay() + 1 === 7;
        const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
        return days.has(d.getUTCDay() + 1) && d.getUTCDate() + 7 > daysInMonth;
      });
    } else {
      const days = weekday(part);
      if (!days) return undefined;
      tests.push((d) => days.has(d.getUTCDay() + 1));
    }
  }
  return (date) => tests.some((t) => t(date));
}

/**
 * The longest gap between consecutive firings of `cron(...)`, 'never' when it matches no day, or
 * undefined when the expression uses syntax this does not evaluate.
 */
export function longestScheduleGap(expression: string): ScheduleGap | undefined {
  const fields = /^cron\((.*)\)$/.exec(expression.trim())?.[1]?.split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [minuteText = '', hourText = '', domText = '', monthText = '', dowText = '', yearText = ''] = fields;
  if (yearText !== '*') return undefined;
  const minutes = parseField(minuteText, 0, 59);
  const hours = parseField(hourText, 0, 23);
  const months = parseField(monthText, 1, 12, MONTHS);
  // EventBridge requires `?` in one of the two day fields; with both set, it is not a valid schedule.
  if (domText !== '?' && dowText !== '?') return undefined;
  const dayMatches = domText === '?' ? dayOfWeekMatcher(dowText) : dayOfMonthMatcher(domText);
  if (!minutes || !hours || !months || !dayMatches) return undefined;

  const times = [...hours].flatMap((h) => [...minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] ?? 0) - (times[i - 1] ?? 0));

  const firingDays: number[] = [];
  for (let day = 0; day < CYCLE_DAYS; day++) {
    const date = new Date(CYCLE_START + day * 86_400_000);
    if (months.has(date.getUTCMonth() + 1) && dayMatches(date)) firingDays.push(day);
  }
  const firstDay = firingDays[0];
  if (firstDay === undefined) return 'never';
  // The cycle repeats: the gap after the last firing day runs into the first of the next cycle.
  firingDays.push(firstDay + CYCLE_DAYS);
  for (let i = 1; i < firingDays.length; i++) {
    const days = (firingDays[i] ?? 0) - (firingDays[i - 1] ?? 0);
    longest = Math.max(longest, days * MINUTES_PER_DAY + first - last);
  }
  return { minutes: longest };
}
