/**
 * Run summary from the state table: the one place that decides what counts as failed. Anything not
 * COMPLETED or SKIPPED at the end of a run (FAILED, or still PENDING/CREATING after the Map) is a
 * failure: a resource never hides among successes. A backup that completed but whose copy failed
 * (./outcome.ts) fails the run too, but is counted apart (`copyFailed`): its backup exists.
 */
import type { ResourceError, ResourceRecord, ResourceStatus, RunCounts } from '../../state/records';
import { nextStep } from '../notify/runbook';
import { type ResourceOutcome, reachedCopies, resourceOutcome } from './outcome';

export interface RunFailure {
  arn: string;
  type: string;
  region: string;
  phase: string;
  /** FAILED (no backup), COMPLETED_COPY_FAILED (backed up, not copied) or IN_PROGRESS (left unfinished). */
  outcome: ResourceOutcome;
  error: string;
  cause: string;
  /** The runbook's next step for the error (./runbook.ts). */
  next: string;
}

export interface RunSummary extends RunCounts {
  status: 'SUCCEEDED' | 'FAILED';
  /** Backups that completed but whose copy failed (also not in `completed` nor in `failed`). */
  copyFailed: number;
  failures: RunFailure[];
  cause: string;
}

export function phaseOf(record: ResourceRecord): string {
  if (record.error?.error === 'PlanFailed') return 'plan';
  if (!record.backupIds || record.backupIds.length === 0) return 'start';
  // Copies start only once the backup completed: a failure from then on is the copy's.
  if (reachedCopies(record)) return 'copy';
  return 'snapshot';
}

export function summarize(records: readonly ResourceRecord[]): RunSummary {
  const outcomes = records.map((r) => ({ r, outcome: resourceOutcome(r) }));
  const count = (o: ResourceOutcome) => outcomes.filter((x) => x.outcome === o).length;
  const completed = count('COMPLETED');
  const skipped = count('SKIPPED');
  const copyFailed = count('COMPLETED_COPY_FAILED');
  const unfinished = count('IN_PROGRESS');
  const failures = outcomes
    .filter(({ outcome }) => outcome !== 'COMPLETED' && outcome !== 'SKIPPED')
    .map(({ r, outcome }) => {
      const error = r.status === 'FAILED' ? (r.error?.error ?? 'Failed') : 'Unfinished';
      const cause = r.status === 'FAILED' ? (r.error?.cause ?? r.note ?? '') : unfinishedCause(r.status);
      return {
        arn: r.arn,
        type: r.type,
        region: r.region,
        phase: phaseOf(r),
        outcome,
        error,
        cause,
        next: nextStep(error, cause, outcome === 'COMPLETED_COPY_FAILED', { arn: r.arn, runId: r.runId }),
      };
    });
  const failed = failures.length - copyFailed;
  const total = records.length;
  const listed = failures
    .slice(0, 10)
    .map((f) => `${f.arn} (${f.error}: ${f.cause.slice(0, 160)})`)
    .join('; ');
  const more = failures.length > 10 ? `; and ${failures.length - 10} more` : '';
  const copyPart = copyFailed > 0 ? `, ${copyFailed} backed up but not copied` : '';
  const cause =
    failures.length === 0
      ? `${completed} of ${total} backups completed, ${skipped} skipped`
      : `${failed} of ${total} backups failed${copyPart} (${completed} completed, ${skipped} skipped): ${listed}${more}`;
  return {
    status: failures.length === 0 ? 'SUCCEEDED' : 'FAILED',
    total,
    completed,
    failed,
    copyFailed,
    skipped,
    unfinished,
    failures,
    cause,
  };
}

/** A dead child's item: the Map Run's failed children show why it ended. */
const unfinishedCause = (status: string): string => `left ${status} when the run ended`;

/** What closing unfinished items needs of the state store. */
export interface UnfinishedCloser {
  fail(runId: string, arn: string, at: string, error: ResourceError): Promise<ResourceStatus>;
}

/** Updates in flight at once when closing (a failed Map can leave the whole fleet unfinished). */
const CLOSE_PARALLEL = 25;

/**
 * Marks FAILED (`Unfinished`, with the status it was left in) every resource the run left PENDING, CREATING
 * or COPYING: a child execution that died before Record result or Record failure (Lambda throttled past
 * its retries, a crash) would otherwise leave its item looking in progress forever, in `status`, the report
 * and the next run's resolver. Runs after the Map, when no child can still write; a COMPLETED item is never
 * touched (the store's condition). Returns how many it closed.
 */
export async function closeUnfinished(
  store: UnfinishedCloser,
  runId: string,
  failures: readonly RunFailure[],
  at: string,
): Promise<number> {
  const unfinished = failures.filter((f) => f.outcome === 'IN_PROGRESS');
  for (let i = 0; i < unfinished.length; i += CLOSE_PARALLEL) {
    await Promise.all(
      unfinished
        .slice(i, i + CLOSE_PARALLEL)
        .map((f) => store.fail(runId, f.arn, at, { error: f.error, cause: f.cause })),
    );
  }
  return unfinished.length;
}
