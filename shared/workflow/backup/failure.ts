/**
 * A resource's failure as the Record failure task stores it: every Catch and every FAILED check hands
 * over the Step Functions error ({Error, Cause}); the state table and the notification keep its
 * readable part.
 */
import { z } from 'zod';

/** The Cause of a Lambda task's error: the runtime's JSON of the thrown error. */
export const lambdaCauseSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

/** Lambda errors arrive as a JSON Cause ({errorType, errorMessage, trace}); keep the readable part. */
export function describeError(error: { Error?: string; Cause?: unknown }): { error: string; cause: string } {
  const name = error.Error ?? 'Error';
  const cause = error.Cause;
  if (typeof cause === 'string') {
    try {
      const parsed = lambdaCauseSchema.safeParse(JSON.parse(cause));
      if (parsed.success) return { error: parsed.data.errorType ?? name, cause: parsed.data.errorMessage };
    } catch {
      // not JSON: a plain cause string (a FAILED check's reason)
    }
    return { error: name, cause: cause.slice(0, 2000) };
  }
  return { error: name, cause: cause === undefined ? '(no cause given)' : JSON.stringify(cause).slice(0, 2000) };
}
