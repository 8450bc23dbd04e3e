/**
 * A resource's failure as the Record failure task stores it: every Catch and every FAILED check hands
 * over the Step Functions error ({Error, Cause}); the state table and the notification keep its
 * readable part.
 */

/** Lambda errors arrive as a JSON Cause ({errorType, errorMessage, trace}); keep the readable part. */
export function describeError(error: { Error?: string; Cause?: unknown }): { error: string; cause: string } {
  const name = error.Error ?? 'Error';
  const cause = error.Cause;
  if (typeof cause === 'string') {
    try {
      const parsed = JSON.parse(cause) as { errorType?: string; errorMessage?: string };
      if (parsed && typeof parsed.errorMessage === 'string') {
        return { error: parsed.errorType ?? name, cause: parsed.errorMessage };
      }
    } catch {
      // not JSON: a plain cause string (a FAILED check's reason)
    }
    return { error: name, cause: cause.slice(0, 2000) };
  }
  return { error: name, cause: cause === undefined ? '(no cause given)' : JSON.stringify(cause).slice(0, 2000) };
}
