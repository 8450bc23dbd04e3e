/**
 * shared/workflow/backup/polling.ts: progress-aware next wait (DESIGN §5). Far from the end, wait for most of the
 * extrapolated remaining time; near it, short waits; no progress yet, geometric backoff; always
 * clamped to [min, max] and never more than one second past the deadline. A refused start is retried until
 * its start window (backups) or deadline (copies) closes, then recorded.
 */
import { InvalidResourceStateError, LimitExceededError, ThrottledError } from '../../../shared/errors';
import {
  AIM,
  deadlineFor,
  nextWaitSeconds,
  refusalPastDeadline,
  TAIL_STEP,
} from '../../../shared/workflow/backup/polling';

const polling = { minWaitSeconds: 60, maxWaitSeconds: 21_600 };
const FAR = 1e9;

describe('nextWaitSeconds', () => {
  it('backs off geometrically without progress: the next wait equals the time already spent', () => {
    // Prepare
    let elapsed = 60;
    const waits: number[] = [];

    // Act
    for (let i = 0; i < 6; i++) {
      const wait = nextWaitSeconds({ progress: undefined, elapsedSeconds: elapsed, secondsToDeadline: FAR }, polling);
      waits.push(wait);
      elapsed += wait;
    }

    // Assess: each wait doubles the elapsed time.
    expect(waits).toEqual([60, 120, 240, 480, 960, 1920]);
  });

  it('treats 0% progress like no progress', () => {
    expect(nextWaitSeconds({ progress: 0, elapsedSeconds: 600, secondsToDeadline: FAR }, polling)).toBe(600);
  });

  it('waits the minimum on the first check, when nothing has elapsed yet', () => {
    expect(nextWaitSeconds({ progress: undefined, elapsedSeconds: 0, secondsToDeadline: FAR }, polling)).toBe(60);
    expect(nextWaitSeconds({ progress: undefined, elapsedSeconds: -30, secondsToDeadline: FAR }, polling)).toBe(60);
  });

  it('uses the progress: waits AIM of the extrapolated remaining time while the end is far', () => {
    // 20% after 30 min: 2 h remain at that rate.
    const wait = nextWaitSeconds({ progress: 20, elapsedSeconds: 1800, secondsToDeadline: FAR }, polling);
    expect(wait).toBe(Math.round(7200 * AIM));
  });

  it('waits 80% of the remaining time extrapolated from 25% after an hour (3 h remain)', () => {
    expect(nextWaitSeconds({ progress: 25, elapsedSeconds: 3600, secondsToDeadline: FAR }, polling)).toBe(8640);
  });

  it('waits less the further the backup has progressed in the same time', () => {
    const at = (progress: number) =>
      nextWaitSeconds({ progress, elapsedSeconds: 3600, secondsToDeadline: FAR }, polling);
    expect(at(10)).toBeGreaterThan(at(50));
    expect(at(50)).toBeGreaterThan(at(80));
  });

  it('switches to short waits (TAIL_STEP of the elapsed time) near the end', () => {
    // 90% after 4 h: 26.7 min remain, under 15% of 4 h, so wait 8% of 4 h.
    expect(nextWaitSeconds({ progress: 90, elapsedSeconds: 14_400, secondsToDeadline: FAR }, polling)).toBe(
      Math.round(TAIL_STEP * 14_400),
    );
  });

  it('switches to 8% of the elapsed time at 95% after 10 h (about 32 min remain, under 15% of elapsed)', () => {
    expect(nextWaitSeconds({ progress: 95, elapsedSeconds: 36_000, secondsToDeadline: FAR }, polling)).toBe(2880);
  });

  it('waits the minimum once AWS reports 100%', () => {
    expect(nextWaitSeconds({ progress: 100, elapsedSeconds: 36_000, secondsToDeadline: FAR }, polling)).toBe(60);
  });

  it.each([
    [{ progress: 1, elapsedSeconds: 36_000 }, 21_600],
    [{ progress: undefined, elapsedSeconds: 100_000 }, 21_600],
    [{ progress: 99, elapsedSeconds: 30 }, 60],
    [{ progress: 99, elapsedSeconds: 100 }, 60],
    [{ progress: 50, elapsedSeconds: 10 }, 60],
  ])('clamps %p to [min, max]: %i', (input, expected) => {
    expect(nextWaitSeconds({ ...input, secondsToDeadline: FAR }, polling)).toBe(expected);
  });

  it('honours a custom [min, max]', () => {
    const custom = { minWaitSeconds: 5, maxWaitSeconds: 60 };
    expect(nextWaitSeconds({ progress: undefined, elapsedSeconds: 1, secondsToDeadline: FAR }, custom)).toBe(5);
    expect(nextWaitSeconds({ progress: 1, elapsedSeconds: 3600, secondsToDeadline: FAR }, custom)).toBe(60);
  });

  it('never schedules the next check more than one second past the deadline', () => {
    // Prepare: every progress level and elapsed time, with the deadline at most 2 h away.
    const waits: { wait: number; secondsToDeadline: number }[] = [];
    for (const progress of [undefined, 0, 5, 50, 95, 100]) {
      for (const elapsedSeconds of [0, 600, 3600, 36_000]) {
        for (const secondsToDeadline of [59, 60, 61, 500, 3599, 7200]) {
          // Act
          waits.push({
            wait: nextWaitSeconds({ progress, elapsedSeconds, secondsToDeadline }, polling),
            secondsToDeadline,
          });
        }
      }
    }

    // Assess
    for (const { wait, secondsToDeadline } of waits) expect(wait).toBeLessThanOrEqual(secondsToDeadline + 1);
    expect(nextWaitSeconds({ progress: 10, elapsedSeconds: 3600, secondsToDeadline: 500 }, polling)).toBe(501);
  });

  it('still waits the minimum when the deadline is closer than that (or already passed)', () => {
    expect(nextWaitSeconds({ progress: 10, elapsedSeconds: 3600, secondsToDeadline: 10 }, polling)).toBe(60);
    expect(nextWaitSeconds({ progress: 10, elapsedSeconds: 3600, secondsToDeadline: -100 }, polling)).toBe(60);
  });

  it('returns whole seconds (the Wait state needs an integer)', () => {
    const wait = nextWaitSeconds({ progress: 33.3, elapsedSeconds: 1234.5, secondsToDeadline: FAR }, polling);
    expect(Number.isInteger(wait)).toBe(true);
  });
});

describe('deadlineFor', () => {
  it('adds the deadline hours to the start time', () => {
    expect(deadlineFor(new Date('2026-01-05T02:00:00Z'), { deadlineHours: 24 }).toISOString()).toBe(
      '2026-01-06T02:00:00.000Z',
    );
    expect(deadlineFor(new Date('2026-01-05T02:00:00Z'), { deadlineHours: 1.5 }).toISOString()).toBe(
      '2026-01-05T03:30:00.000Z',
    );
  });
});

describe('refusalPastDeadline', () => {
  const queuedAt = '2026-01-05T02:00:00.000Z';
  const at = (hours: number) => new Date(Date.parse(queuedAt) + hours * 3600_000);
  const refused = () => new LimitExceededError('PendingSnapshotLimitExceeded: 100 pending snapshots');

  it('lets a backup start refusal through (retried) until its start window closes, then records it', () => {
    // Prepare
    const polling = { deadlineHours: 48, startWindowHours: 8 };

    // Act
    const inside = refusalPastDeadline(
      refused(),
      'vol-1 could not be started',
      queuedAt,
      { polling, now: at(7.9) },
      'start',
    );
    const past = refusalPastDeadline(
      refused(),
      'vol-1 could not be started',
      queuedAt,
      { polling, now: at(8) },
      'start',
    );

    // Assess
    expect(inside).toBeInstanceOf(LimitExceededError);
    expect(past).toBeInstanceOf(InvalidResourceStateError);
    expect((past as Error).message).toBe(
      'start window: vol-1 could not be started within its 8 h start window (queued 2026-01-05T02:00:00.000Z, closed 2026-01-05T10:00:00.000Z); the next run tries again: PendingSnapshotLimitExceeded: 100 pending snapshots',
    );
  });

  it('closes the start window at half the deadline when none is configured (a daily tier: its 24 h gap)', () => {
    const polling = { deadlineHours: 48 };
    expect(refusalPastDeadline(refused(), 'x', queuedAt, { polling, now: at(23.9) }, 'start')).toBeInstanceOf(
      LimitExceededError,
    );
    const past = refusalPastDeadline(refused(), 'x', queuedAt, { polling, now: at(24) }, 'start');
    expect((past as Error).message).toMatch(/^start window: x within its 24 h start window/);
  });

  it('never waits past the deadline: a start window longer than the deadline ends at the deadline as a timeout', () => {
    const polling = { deadlineHours: 4, startWindowHours: 8 };
    expect(refusalPastDeadline(refused(), 'x', queuedAt, { polling, now: at(3.9) }, 'start')).toBeInstanceOf(
      LimitExceededError,
    );
    expect((refusalPastDeadline(refused(), 'x', queuedAt, { polling, now: at(4) }, 'start') as Error).message).toMatch(
      /^timeout: x by its deadline 2026-01-05T06:00:00.000Z/,
    );
  });

  it('keeps a copy refusal retried until the deadline, whatever the start window', () => {
    const polling = { deadlineHours: 48, startWindowHours: 8 };
    expect(refusalPastDeadline(refused(), 'copy', queuedAt, { polling, now: at(20) })).toBeInstanceOf(
      LimitExceededError,
    );
    expect((refusalPastDeadline(refused(), 'copy', queuedAt, { polling, now: at(48) }) as Error).message).toMatch(
      /^timeout: copy by its deadline/,
    );
  });

  it('treats a throttled start like a refused one: retried until its start window closes, then recorded', () => {
    // Prepare: the ASL's ThrottledError Retry on Start backup outlasts the window; the window ends it
    const polling = { deadlineHours: 48 };
    const throttled = () =>
      new ThrottledError('EC2 CreateSnapshot vol-1: RequestLimitExceeded: Request limit exceeded.');

    // Act
    const inside = refusalPastDeadline(
      throttled(),
      'vol-1 could not be started',
      queuedAt,
      { polling, now: at(23.9) },
      'start',
    );
    const past = refusalPastDeadline(
      throttled(),
      'vol-1 could not be started',
      queuedAt,
      { polling, now: at(24) },
      'start',
    );
    const copy = refusalPastDeadline(throttled(), 'copy', queuedAt, { polling, now: at(48) });

    // Assess
    expect(inside).toBeInstanceOf(ThrottledError);
    expect(past).toBeInstanceOf(InvalidResourceStateError);
    expect((past as Error).message).toMatch(
      /^start window: vol-1 could not be started within its 24 h start window .*RequestLimitExceeded/,
    );
    expect((copy as Error).message).toMatch(/^timeout: copy by its deadline/);
  });

  it('passes any other error through unchanged', () => {
    const other = new Error('boom');
    expect(refusalPastDeadline(other, 'x', queuedAt, { polling: {}, now: at(100) }, 'start')).toBe(other);
  });
});
