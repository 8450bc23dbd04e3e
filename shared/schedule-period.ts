/**
 * The longest wait between two firings of an EventBridge Scheduler cron expression, in UTC or in the
 * IANA time zone the schedule is evaluated in, so config validation can tell whether a tier's backups
 * outlive the wait for its next run. Pure and exact for the supported syntax: it walks every day of
 * one 28-year Gregorian cycle (2029-2056; within 1901-2099 every date/weekday pattern recurs with that
 * period), about 10,000 days, in milliseconds at synth.
 *
 * In a zone with daylight saving time, Scheduler skips a firing whose local time does not exist (the
 * spring-forward hour) and fires once at a repeated one (the fall-back hour): a daily 02:30 in
 * America/New_York waits 47 h once a year. The zone's offsets come from the runtime's time-zone data
 * (Intl), its current rules projected over the cycle.
 *
 * Supported: numbers, names (JAN-DEC, SUN-SAT), `*`, `?`, lists, ranges, steps, `L` in day-of-month,
 * `nL` and `n#k` in day-of-week. `W` (nearest weekday) and a restricted year field answer `undefined`
 * ("cannot tell"), and callers then skip the check rather than guess.
 */

const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const CYCLE_START = Date.UTC(2029, 0, 1);
const CYCLE_DAYS = 10_227; // 2029-01-01 .. 2056-12-31
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

/** Time zones that are UTC itself: evaluated without offsets. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/UCT', 'UCT', 'Etc/Universal', 'Etc/Zulu']);

const gaps = new Map<string, ScheduleGap | undefined>();

/**
 * The longest gap between consecutive firings of `cron(...)` evaluated in `timeZone` (default UTC),
 * 'never' when it matches no day, or undefined when the expression uses syntax this does not evaluate
 * (or the zone is unknown to the runtime). Memoized: config parsing asks more than once per tier.
 */
export function longestScheduleGap(expression: string, timeZone?: string): ScheduleGap | undefined {
  const key = `${expression}\n${timeZone ?? ''}`;
  if (!gaps.has(key)) gaps.set(key, measureGap(expression, timeZone));
  return gaps.get(key);
}

function measureGap(expression: string, timeZone: string | undefined): ScheduleGap | undefined {
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
  const firingDays: number[] = [];
  for (let day = 0; day < CYCLE_DAYS; day++) {
    const date = new Date(CYCLE_START + day * MS_PER_DAY);
    if (months.has(date.getUTCMonth() + 1) && dayMatches(date)) firingDays.push(day);
  }
  if (firingDays.length === 0) return 'never';
  if (timeZone === undefined || UTC_ZONES.has(timeZone)) return utcGap(firingDays, times);
  const zone = zoneOffsets(timeZone);
  return zone ? zonedGap(firingDays, times, zone) : undefined;
}

/** Wall-clock gaps: the longest within a firing day, and between the last of one and the first of the next. */
function utcGap(firingDays: number[], times: number[]): ScheduleGap {
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] ?? 0) - (times[i - 1] ?? 0));
  // The cycle repeats: the gap after the last firing day runs into the first of the next cycle.
  const days = [...firingDays, (firingDays[0] ?? 0) + CYCLE_DAYS];
  for (let i = 1; i < days.length; i++) {
    longest = Math.max(longest, ((days[i] ?? 0) - (days[i - 1] ?? 0)) * MINUTES_PER_DAY + first - last);
  }
  return { minutes: longest };
}

interface ZoneOffsets {
  /** Local time minus UTC, in minutes, at an instant. */
  at(instantMs: number): number;
  /** Cycle days (local) within a day of an offset change. */
  changeDays: Set<number>;
}

/**
 * The zone's offsets over the cycle: sampled at each UTC midnight, each change pinned to the minute.
 * Undefined when the runtime does not know the zone.
 */
function zoneOffsets(timeZone: string): ZoneOffsets | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    return undefined;
  }
  const offsetOf = (ms: number): number => {
    const parts = format.formatToParts(ms);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(ms / MS_PER_MINUTE) * MS_PER_MINUTE) / MS_PER_MINUTE);
  };
  // Changes: [instant from which `offset` holds], in order.
  const start = CYCLE_START - 2 * MS_PER_DAY;
  const changes: { from: number; offset: number }[] = [{ from: Number.NEGATIVE_INFINITY, offset: offsetOf(start) }];
  const changeDays = new Set<number>();
  let previous = changes[0]?.offset ?? 0;
  for (let day = -1; day <= CYCLE_DAYS + 2; day++) {
    const ms = CYCLE_START + day * MS_PER_DAY;
    const offset = offsetOf(ms);
    if (offset === previous) continue;
    // Pin the change to the minute between the two samples.
    let low = ms - MS_PER_DAY;
    let high = ms;
    while (high - low > MS_PER_MINUTE) {
      const mid = low + Math.floor((high - low) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
      if (offsetOf(mid) === previous) low = mid;
      else high = mid;
    }
    changes.push({ from: high, offset });
    const changeDay = Math.floor((high - CYCLE_START) / MS_PER_DAY);
    for (const d of [changeDay - 1, changeDay, changeDay + 1]) changeDays.add(d);
    previous = offset;
  }
  return {
    changeDays,
    at(instantMs) {
      let low = 0;
      let high = changes.length - 1;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if ((changes[mid]?.from ?? 0) <= instantMs) low = mid;
        else high = mid - 1;
      }
      return changes[low]?.offset ?? 0;
    },
  };
}

/**
 * The instant a local wall time names in the zone: undefined when the clock skips it (Scheduler skips
 * that firing), the earlier when the clock repeats it (Scheduler fires once).
 */
function instantOf(localMs: number, zone: ZoneOffsets): number | undefined {
  const candidates = [zone.at(localMs - MS_PER_DAY), zone.at(localMs + MS_PER_DAY)]
    .map((offset) => localMs - offset * MS_PER_MINUTE)
    .filter((at) => at + zone.at(at) * MS_PER_MINUTE === localMs)
    .sort((a, b) => a - b);
  return candidates[0];
}

/**
 * Gaps between real instants. A firing day away from any offset change keeps its wall-clock gaps, so
 * only its first and last firing are placed; near a change every firing is.
 */
function zonedGap(firingDays: number[], times: number[], zone: ZoneOffsets): ScheduleGap {
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  let longest = 0;
  let plainDay = false;
  // Each placed firing, and whether the wait before it is measured (not between a plain day's first and last).
  const placed: { at: number; measured: boolean }[] = [];
  for (const day of firingDays) {
    const midnight = CYCLE_START + day * MS_PER_DAY;
    const near = zone.changeDays.has(day);
    plainDay ||= !near;
    const dayTimes = near ? times : [...new Set([first, last])];
    dayTimes.forEach((time, index) => {
      const at = instantOf(midnight + time * MS_PER_MINUTE, zone);
      if (at !== undefined) placed.push({ at, measured: near || index === 0 });
    });
  }
  if (plainDay) {
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] ?? 0) - (times[i - 1] ?? 0));
  }
  // The cycle repeats: the first firing comes again CYCLE_DAYS later (the zone's rules recur yearly).
  const firstPlaced = placed[0];
  if (firstPlaced) placed.push({ at: firstPlaced.at + CYCLE_DAYS * MS_PER_DAY, measured: true });
  for (let i = 1; i < placed.length; i++) {
    const current = placed[i];
    if (current?.measured) longest = Math.max(longest, (current.at - (placed[i - 1]?.at ?? 0)) / MS_PER_MINUTE);
  }
  return { minutes: Math.round(longest) };
}

/**
 * An IANA time zone EventBridge Scheduler evaluates a schedule in, spelled as the runtime's time-zone
 * data knows it (e.g. Europe/Berlin, America/New_York, UTC). Returns why it is not, or undefined.
 */
export function timeZoneProblem(timeZone: string): string | undefined {
  const expected = 'not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)';
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(timeZone)) return expected;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return expected;
  }
  const spelled = Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase() === timeZone.toLowerCase());
  if (spelled !== undefined && spelled !== timeZone) return `time zone names are case-sensitive: write "${spelled}"`;
  return undefined;
}
