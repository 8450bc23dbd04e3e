/**
 * The settle rule for creates without an idempotency key (issue #9 §4.5), shared by Start backup and Start
 * copies. EBS CreateSnapshot(s) and CopySnapshot and DynamoDB CreateBackup take no client token, and the
 * lookups that find what they made (tag-filtered DescribeSnapshots, ListBackups) are eventually consistent:
 * a retry that looks right after a create whose answer was lost can miss it and create a second. So the
 * call time is recorded before each such create, and a retry waits until a lookup can see it.
 */
import { LimitExceededError } from '../../errors';

/** How long after a keyless create a lookup may still miss what it made. */
export const LOOKUP_SETTLE_SECONDS = 120;

/**
 * Throws LimitExceededError (the ASL's long Retry, so the next attempt comes minutes later) while a lookup
 * at `now` may still miss what a keyless create called at `calledAt` made; returns once it cannot.
 */
export function waitForLookupToSettle(what: string, calledAt: string | undefined, now: Date): void {
  if (!calledAt) return;
  const settlesAt = new Date(calledAt).getTime() + LOOKUP_SETTLE_SECONDS * 1000;
  if (now.getTime() < settlesAt) {
    throw new LimitExceededError(
      `${what}: an earlier attempt called create at ${calledAt} and its outcome is unknown; the lookup for it is eventually consistent, so it runs from ${new Date(settlesAt).toISOString()} (retried)`,
    );
  }
}
