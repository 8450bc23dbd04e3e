/**
 * Retries one call AWS throttled (ThrottledError, after the SDK's own attempts) with capped exponential
 * back-off and full jitter. Only for long series of calls against one API bucket (Apply retention's
 * hundreds of deletes from a bucket that refills at 5 a second; Plan's batched lookups): there the SDK's
 * own retry gives up by design, because its client-wide retry quota (standard and adaptive modes alike)
 * stops retrying under sustained throttling, and one call's failure would then cost the whole series
 * (a failed delete, or a Plan restarted by the ASL with every lookup redone). Each call waits for its
 * token instead. Real sleeps: time must pass for a bucket to refill.
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
