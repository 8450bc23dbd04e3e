/**
 * Retries a call AWS throttled (ThrottledError, after the SDK's own attempts) with capped exponential
 * back-off and full jitter, as AWS advises for long series of mutating calls: Apply retention deletes
 * hundreds of backups from a bucket that refills at 5 a second, and each delete past the burst waits
 * for its token instead of being recorded as a failure. Real sleeps: time must pass for a bucket to refill.
 */
import { ThrottledError } from './errors';

export interface ThrottleRetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const THROTTLE_RETRY_DEFAULTS: ThrottleRetryOptions = {
  attempts: 8,
  baseMs: 500,
  maxMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export async function retryThrottled<T>(
  call: () => Promise<T>,
  options: Partial<ThrottleRetryOptions> = {},
): Promise<T> {
  const { attempts, baseMs, maxMs, sleep, random } = { ...THROTTLE_RETRY_DEFAULTS, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ThrottledError) || attempt >= attempts) throw error;
      await sleep(random() * Math.min(maxMs, baseMs * 2 ** attempt));
    }
  }
}
