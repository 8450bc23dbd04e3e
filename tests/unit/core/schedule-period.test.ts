/**
 * shared/schedule-period.ts: the longest gap between two firings of an EventBridge Scheduler cron
 * expression, which config validation compares with each tier's retention and RPO.
 */
import { longestScheduleGap } from '../../../shared/schedule-period';

const HOUR = 60;
const DAY = 24 * HOUR;

describe('longestScheduleGap', () => {
  it.each([
    ['daily at 02:00', 'cron(0 2 * * ? *)', DAY],
    ['every 6 hours', 'cron(0 */6 * * ? *)', 6 * HOUR],
    ['twice a day at 02:00 and 20:00', 'cron(0 2,20 * * ? *)', 18 * HOUR],
    ['weekly on Sunday', 'cron(0 1 ? * SUN *)', 7 * DAY],
    ['weekdays only (the weekend is the gap)', 'cron(0 2 ? * MON-FRI *)', 3 * DAY],
    ['monthly on the 1st (31-day months)', 'cron(0 0 1 * ? *)', 31 * DAY],
    ['on the last day of each month', 'cron(0 0 L * ? *)', 31 * DAY],
    ['quarterly', 'cron(0 0 1 JAN,APR,JUL,OCT ? *)', 92 * DAY],
    ['yearly on 1 January (leap years)', 'cron(0 3 1 1 ? *)', 366 * DAY],
    ['on 29 February only (every fourth year)', 'cron(0 0 29 2 ? *)', (4 * 365 + 1) * DAY],
  ])('measures %s', (_label, expression, minutes) => {
    expect(longestScheduleGap(expression)).toEqual({ minutes });
  });

  it('finds the longest gap of a nth-weekday schedule (second Tuesday: 35 days at most)', () => {
    expect(longestScheduleGap('cron(0 2 ? * 3#2 *)')).toEqual({ minutes: 35 * DAY });
  });

  it('finds the longest gap of a last-weekday-of-month schedule (last Friday: 35 days at most)', () => {
    expect(longestScheduleGap('cron(0 2 ? * 6L *)')).toEqual({ minutes: 35 * DAY });
  });

  it('answers never for an expression no day matches', () => {
    expect(longestScheduleGap('cron(0 0 30 2 ? *)')).toBe('never');
  });

  it.each([
    ['nearest weekday (W)', 'cron(0 0 15W * ? *)'],
    ['a restricted year', 'cron(0 0 1 1 ? 2027)'],
    ['both day fields set', 'cron(0 0 1 * MON *)'],
    ['a rate expression', 'rate(1 day)'],
    ['an out-of-range value', 'cron(0 25 * * ? *)'],
  ])('cannot tell (undefined) for %s', (_label, expression) => {
    expect(longestScheduleGap(expression)).toBeUndefined();
  });

  describe('in a time zone', () => {
    it.each([
      ['UTC named explicitly', 'cron(0 2 * * ? *)', 'Etc/UTC', DAY],
      ['daily 02:00 London (fall back: 25 h)', 'cron(0 2 * * ? *)', 'Europe/London', 25 * HOUR],
      ['daily 02:30 New York (spring forward skips it: 47 h)', 'cron(30 2 * * ? *)', 'America/New_York', 47 * HOUR],
      ['every 6 hours New York (fall back: 7 h)', 'cron(0 */6 * * ? *)', 'America/New_York', 7 * HOUR],
      ['weekly Sunday 01:00 Berlin (fall back week: 169 h)', 'cron(0 1 ? * SUN *)', 'Europe/Berlin', 169 * HOUR],
      ['every minute Berlin (the repeated hour fires once: 61 min)', 'cron(* * * * ? *)', 'Europe/Berlin', 61],
      ['daily Tokyo (no daylight saving time)', 'cron(0 2 * * ? *)', 'Asia/Tokyo', DAY],
      [
        'daily 02:00 Lord Howe (half-hour shift skips 02:00: 47.5 h)',
        'cron(0 2 * * ? *)',
        'Australia/Lord_Howe',
        47 * HOUR + 30,
      ],
    ])('measures %s', (_label, expression, zone, minutes) => {
      expect(longestScheduleGap(expression, zone)).toEqual({ minutes });
    });

    it('cannot tell (undefined) for a zone the runtime does not know', () => {
      expect(longestScheduleGap('cron(0 2 * * ? *)', 'Mars/Olympus_Mons')).toBeUndefined();
    });
  });
});
