/**
 * Which restores and drills a run's report shows (issue #12): those that started from the run's start
 * until the next run of the same tier started, or, for the tier's latest run, until the report was
 * generated. Consecutive reports of a tier so show every restore exactly once, the drills that follow a
 * run (and test its backups) land in its report, and a report of an older run reads the same whenever it
 * is generated. Skipped runs (which backed nothing up) do not end a window. The latest run's window is
 * left open rather than ended at the local clock: the restores' times are the pipeline's (AWS's, or the
 * sandbox's simulated time), which the operator's machine need not share. Pure: the caller reads.
 */
import type { RestoreRecord, RunRecord } from '../../shared/state/records';

export interface RestoreWindow {
  /** ISO start time, included: the run's start. */
  from: string;
  /** ISO end time, excluded: the next run of the tier's start; undefined (open) when the run is its tier's latest. */
  to: string | undefined;
  /** The run of the same tier whose start ends the window; undefined when the run is its tier's latest. */
  nextRunId: string | undefined;
}

export function reportRestoreWindow(
  run: Pick<RunRecord, 'startedAt'>,
  nextRun: Pick<RunRecord, 'runId' | 'startedAt'> | undefined,
): RestoreWindow {
  return { from: run.startedAt, to: nextRun?.startedAt, nextRunId: nextRun?.runId };
}

/** Whether a restore started before the window's end (every one does while the window is open). */
export const startedBeforeEnd = (r: RestoreRecord, window: RestoreWindow): boolean =>
  window.to === undefined || r.startedAt < window.to;

/** The restores that started within the window, newest first. */
export function restoresInWindow(restores: readonly RestoreRecord[], window: RestoreWindow): RestoreRecord[] {
  return restores
    .filter((r) => r.startedAt >= window.from && startedBeforeEnd(r, window))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.restoreId.localeCompare(b.restoreId));
}
