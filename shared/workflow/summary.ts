/**
 * Run summary from the state table: the one place that decides what counts as failed. Anything not
 * COMPLETED or SKIPPED at the end of a run (FAILED, or still PENDING/CREATING after the Map) is a
 * failure: a resource never hides among successes.
 */
import type { ResourceRecord, RunCounts } from '../state/records';

export interface RunSummary extends RunCounts {
  status: 'SUCCEEDED' | 'FAILED';
  failures: { arn: string; type: string; region: string; phase: string; error: string; cause: string }[];
  cause: string;
}

export function phaseOf(record: ResourceRecord): string {
  if (record.error?.error === 'PlanFailed') return 'plan';
  if (!record.backupIds || record.backupIds.length === 0) return 'start';
  // Copies exist only once the backup completed: a failure from then on is the copy's.
  if (record.copies && record.copies.length > 0) return 'copy';
  return 'snapshot';
}

export function summarize(records: readonly ResourceRecord[]): RunSummary {
  const completed = records.filter((r) => r.status === 'COMPLETED').length;
  const skipped = records.filter((r) => r.status === 'SKIPPED').length;
  const failedRecords = records.filter((r) => r.status !== 'COMPLETED' && r.status !== 'SKIPPED');
  const unfinished = failedRecords.filter((r) => r.status !== 'FAILED').length;
  const failures = failedRecords.map((r) => ({
    arn: r.arn,
    type: r.type,
    region: r.region,
    phase: phaseOf(r),
    error: r.status === 'FAILED' ? (r.error?.error ?? 'Failed') : 'Unfinished',
    cause: r.status === 'FAILED' ? (r.error?.cause ?? r.note ?? '') : `left ${r.status} when the run ended`,
  }));
  const failed = failures.length;
  const total = records.length;
  const listed = failures
    .slice(0, 10)
    .map((f) => `${f.arn} (${f.error}: ${f.cause.slice(0, 160)})`)
    .join('; ');
  const more = failed > 10 ? `; and ${failed - 10} more` : '';
  const cause =
    failed === 0
      ? `${completed} of ${total} backups completed, ${skipped} skipped`
      : `${failed} of ${total} backups failed (${completed} completed, ${skipped} skipped): ${listed}${more}`;
  return {
    status: failed === 0 ? 'SUCCEEDED' : 'FAILED',
    total,
    completed,
    failed,
    skipped,
    unfinished,
    failures,
    cause,
  };
}
