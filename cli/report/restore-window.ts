/**
 * Which restores and drills a run's report shows (issue #12): those that started from the run's start
 * until the next run of the same tier started, or, for the tier's latest run, until the report was
 * generated. Consecutive reports of a tier so show every restore exactly once, the drills that follow a
 * run (and test its backups) land in its report, and a report of an older run reads the same whenever it
 * is generated. Skipped runs (which backed nothing up) do not end a window. Pure: the caller reads.
 */
import type { RestoreRecord, RunRecord } from '../../shared/state/records';

export interface RestoreWindow {
  /** ISO start time, included: the run's start. */
  from: string;
  /** ISO end time, excluded: the next run of the tier's start, or when the report was generated. */
  to: string;
  /** The run of the same tier whose start ends the window; undefined when the run is its tier's latest. */
  nextRunId: string | undefined;
}

export function reportRestoreWindow(
  run: Pick<RunRecord, 'startedAt'>,
  nextRun: Pick<RunRecord, 'runId' | 'startedAt'> | undefined,
  generatedAt: Date,
): RestoreWindow {
  const to = nextRun?.startedAt ?? generatedAt.toISOString();
  return { from: run.startedAt, to: to < run.startedAt ? run.startedAt : to, nextRunId: nextRun?.runId };
}

/** The restores that started within the window, newest first. */
export function restoresInWindow(restores: readonly RestoreRecord[], window: RestoreWindow): RestoreRecord[] {
  return restores
    .filter((r) => r.startedAt >= window.from && r.startedAt < window.to)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.restoreId.localeCompare(b.restoreId));
}
