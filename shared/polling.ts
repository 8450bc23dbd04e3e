/**
 * Progress-aware polling (DESIGN §5). The state machine waits, never a Lambda; this picks how long.
 * From the progress AWS reports and the time elapsed we estimate the time remaining and wait for most
 * of it, so a 6-hour snapshot is checked a handful of times, not 72 times at a fixed 5 minutes.
 */
import type { PollingConfig } from './config';

/** Aim a little before the estimated finish: progress is not linear and overshoot costs detection latency. */
export const AIM = 0.9;

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
  let wait: number;
  if (input.progress === undefined || input.progress <= 0) {
    // Nothing to extrapolate from: back off geometrically with the time already spent.
    wait = elapsed;
  } else if (input.progress >= 100) {
    wait = min;
  } else {
    const remaining = (elapsed * (100 - input.progress)) / input.progress;
    wait = remaining * AIM;
  }
  // One more check just after the deadline, so a late finisher is still seen before it is failed.
  const untilDeadline = Math.max(min, input.secondsToDeadline + 1);
  return Math.round(Math.min(Math.max(wait, min), max, untilDeadline));
}

export function deadlineFor(startedAt: Date, polling: Pick<PollingConfig, 'deadlineHours'>): Date {
  return new Date(startedAt.getTime() + polling.deadlineHours * 3600_000);
}
