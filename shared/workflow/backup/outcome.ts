/**
 * A resource's outcome in a run, the one classification every view uses (status, the run report, the
 * notification, the run's counts). The state records a copy that failed on the resource itself (Record
 * failure marks it FAILED with `copy to <region>: …`, its backup ids and its copies[] kept): its backup
 * completed and exists in its own region, so it is not a failed backup. It still fails the run
 * (the copy is the disaster-recovery protection the run was asked for), but it is counted on its own.
 */
import type { ResourceRecord } from '../../state/records';

export const RESOURCE_OUTCOMES = [
  'COMPLETED',
  /** The backup completed (it exists in its own region); a copy to another region failed or timed out. */
  'COMPLETED_COPY_FAILED',
  'FAILED',
  'SKIPPED',
  /** Still PENDING, CREATING or COPYING: in progress while the run runs, unfinished once it ended. */
  'IN_PROGRESS',
] as const;
export type ResourceOutcome = (typeof RESOURCE_OUTCOMES)[number];

type Classified = Pick<ResourceRecord, 'status' | 'backupIds' | 'copies' | 'copyCalledAt' | 'error'>;

/**
 * The resource reached its copies, so its backup had completed: a copy was recorded, Start copies marked
 * a call, or the failure names a copy (a copy AWS refused until the deadline leaves no copy behind).
 */
export function reachedCopies(record: Omit<Classified, 'status'>): boolean {
  if ((record.backupIds?.length ?? 0) === 0 || record.error?.error === 'PlanFailed') return false;
  return (
    (record.copies?.length ?? 0) > 0 ||
    record.copyCalledAt !== undefined ||
    /^copy to |could not be copied to /.test(record.error?.cause ?? '')
  );
}

export function resourceOutcome(record: Classified): ResourceOutcome {
  switch (record.status) {
    case 'COMPLETED':
      return 'COMPLETED';
    case 'SKIPPED':
      return 'SKIPPED';
    case 'FAILED':
      // Copies start only once the backup completed (shared/workflow/copies/copies.ts): a failure from then on
      // is the copy's, whichever region failed, was refused or ran out of time.
      return reachedCopies(record) ? 'COMPLETED_COPY_FAILED' : 'FAILED';
    default:
      return 'IN_PROGRESS';
  }
}

/** True when the resource has a backup an operator can restore (in its own region at least). */
export const backedUp = (outcome: ResourceOutcome) => outcome === 'COMPLETED' || outcome === 'COMPLETED_COPY_FAILED';

/** What the tables print in their STATUS column: the record's status, but a copy failure says so. */
export function outcomeLabel(record: Classified): string {
  return resourceOutcome(record) === 'COMPLETED_COPY_FAILED' ? 'COPY FAILED' : record.status;
}

/** One line explaining COPY FAILED, for every view that prints it. */
export const COPY_FAILED_MEANING =
  'COPY FAILED: the backup completed and exists in its own region (it expires by its tags), but its copy to another region failed; the run counts it apart from failed backups and still fails';
