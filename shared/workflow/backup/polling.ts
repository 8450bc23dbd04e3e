/**
 * Progress-aware polling (DESIGN §5). The state machine waits, never a Lambda; this picks how long.
 *
 * Two phases. While the backup is far from done, extrapolate the time remaining from the average
 * rate so far and wait for AIM of it: a 6-hour snapshot is checked a handful of times, not 72 times
 * at a fixed 5 minutes. Once the estimate says the end is near (remaining < TAIL of the elapsed
 * time), switch to short waits of TAIL_STEP of the elapsed time, which bounds how late a finish is
 * noticed to about 8% of the backup's duration, whatever shape the progress curve has. Both are
 * clamped to [minWaitSeconds, maxWaitSeconds] and never run past the deadline. Measured in
 * docs/benchmarks.md (`npm run bench`).
 */
import { MAX_DEFAULT_DEADLINE_HOURS, type PollingConfig } from '../../config';
import { InvalidResourceStateError, LimitExceededError, ThrottledError } from '../../errors';

/** Fraction of the estimated remaining time to wait in the far phase (progress is not linear). */
export const AIM = 0.8;
/** The near phase starts when the estimated remaining time is below this fraction of the elapsed time. */
export const TAIL = 0.15;
/** Near-phase wait as a fraction of the elapsed time: the bound on detection latency. */
export const TAIL_STEP = 0.08;

export interface PollInput {
  /** Percent complete as AWS reports it (0-100); undefined when AWS reports none yet. */
  progress: number | undefined;
  elapsedSeconds: number;
  /** Seconds left until the backup's deadline. */
  secondsToDeadline: number;
}

export function nextWaitSeconds(
  input: PollInput,
  polling: Pick<PollingConfig, 'minWaitSeconds' | 'maxWaitSeconds'>,
): number {
  const { minWaitSeconds: min, maxWaitSeconds: max } = polling;
  const elapsed = Math.max(0, input.elapsedSeconds);
  const progress = input.progress;
  let wait: number;
  if (progress === undefined || progress <= 0) {
    // Nothing to extrapolate from: back off geometrically with the time already spent.
    wait = elapsed;
  } else if (progress >= 100) {
    wait = min;
  } else {
    const remaining = (elapsed * (100 - progress)) / progress;
    wait = remaining > TAIL * elapsed ? remaining * AIM : TAIL_STEP * elapsed;
  }
  // One more check just after the deadline, so a late finisher is still seen before it is failed.
  const untilDeadline = Math.max(min, input.secondsToDeadline + 1);
  return Math.round(Math.min(Math.max(wait, min), max, untilDeadline));
}

/** The deadline of a backup started at `startedAt`; without hours (none resolved), the 7-day window. */
export function deadlineFor(startedAt: Date, polling: { deadlineHours?: number | undefined }): Date {
  return new Date(startedAt.getTime() + (polling.deadlineHours ?? MAX_DEFAULT_DEADLINE_HOURS) * 3600_000);
}

/** The polling settings of a tier's backups: its deadline from the resolved map (own properties only). */
export function tierPolling(
  polling: PollingConfig,
  deadlines: Record<string, number>,
  tier: string,
): PollingConfig & { deadlineHours: number } {
  const hours = Object.hasOwn(deadlines, tier) ? deadlines[tier] : undefined;
  return { ...polling, deadlineHours: hours ?? polling.deadlineHours ?? MAX_DEFAULT_DEADLINE_HOURS };
}

/**
 * A refusal that passes (a database `modifying` or `backing-up`, the pending-snapshot limit, the
 * region's concurrent-copy limit) is retried by the ASL's long LimitExceededError Retry (Start backup and
 * Start copies), which lasts longer than any tier's deadline. Throttling (ThrottledError) is a refusal that
 * passes too: its Retry keeps a short first back-off but has attempts enough for the longest deadline, so a start throttled through a
 * long API storm is never failed by a count of attempts, only by the same window. What ends the retries, counted from when
 * Plan queued the resource: for a backup, its start window (`polling.startWindowHours`, else half the
 * deadline; never past the deadline): past it the refusal becomes a recorded failure with reason `start window`; for a copy, the
 * deadline: reason `timeout`. Either is an InvalidResourceStateError: recorded, not retried.
 */
export function refusalPastDeadline(
  error: unknown,
  what: string,
  queuedAt: string,
  request: {
    polling: { deadlineHours?: number | undefined; startWindowHours?: number | undefined };
    now: Date;
  },
  window: 'start' | 'deadline' = 'deadline',
): unknown {
  if (!(error instanceof LimitExceededError || error instanceof ThrottledError)) return error;
  const queued = new Date(queuedAt);
  const deadline = deadlineFor(queued, request.polling);
  const deadlineHours = (deadline.getTime() - queued.getTime()) / 3600_000;
  const hours = request.polling.startWindowHours ?? deadlineHours / 2;
  const windowEnd = window === 'start' ? new Date(queued.getTime() + hours * 3600_000) : undefined;
  if (windowEnd && windowEnd < deadline) {
    if (request.now < windowEnd) return error;
    return new InvalidResourceStateError(
      `start window: ${what} within its ${hours} h start window (queued ${queuedAt}, closed ${windowEnd.toISOString()}); the next run tries again: ${error.message}`,
      { cause: error },
    );
  }
  if (request.now.getTime() < deadline.getTime()) return error;
  return new InvalidResourceStateError(
    `timeout: ${what} by its deadline ${deadline.toISOString()} (queued ${queuedAt}): ${error.message}`,
    { cause: error },
  );
}
