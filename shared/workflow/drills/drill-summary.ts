/**
 * What `status --rto` shows (issue #12): per resource type and backup mode, its last restore drill (when,
 * passed or not, the recovery time) and its last drill that passed, read from the restores' records
 * newest first. A drill passes when it restored and cleaned up (restoreSucceeded).
 */
import type { RestoreRecord } from '../../state/records';
import { restoreSucceeded } from '../restore/restore';

export interface DrillSummary {
  type: string;
  mode: string | undefined;
  drills: number;
  lastAt: string;
  lastPassed: boolean;
  lastRecoverySeconds: number | undefined;
  lastError: string | undefined;
  /** When the newest drill that passed started; undefined when none has. */
  lastPassedAt: string | undefined;
  lastPassedRecoverySeconds: number | undefined;
}

export function drillSummary(restores: readonly RestoreRecord[]): DrillSummary[] {
  const byKind = new Map<string, RestoreRecord[]>();
  for (const r of restores.filter((x) => x.drill && x.finishedAt !== undefined)) {
    const key = `${r.type}/${r.mode ?? ''}`;
    byKind.set(key, [...(byKind.get(key) ?? []), r]);
  }
  return [...byKind.values()]
    .map((drills) => {
      const sorted = [...drills].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const [last] = sorted as [RestoreRecord, ...RestoreRecord[]];
      const passed = sorted.find(restoreSucceeded);
      return {
        type: last.type,
        mode: last.mode,
        drills: sorted.length,
        lastAt: last.startedAt,
        lastPassed: restoreSucceeded(last),
        lastRecoverySeconds: last.recoverySeconds,
        lastError: last.error
          ? `${last.error.error}: ${last.error.cause}`
          : last.validation?.status === 'FAILED'
            ? `validation failed: ${last.validation.message}`
            : last.cleanup?.status === 'FAILED'
              ? `clean-up failed: ${last.cleanup.cause ?? ''}`
              : undefined,
        lastPassedAt: passed?.startedAt,
        lastPassedRecoverySeconds: passed?.recoverySeconds,
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || (a.mode ?? '').localeCompare(b.mode ?? ''));
}

/** A drill's outcome in one word, the same in every view (`status --rto`, the report, the CLI's drills). */
export const drillOutcome = (passed: boolean): 'passed' | 'failed' => (passed ? 'passed' : 'failed');

/** How a restore ended, for the report and `status`: a drill passes only when it also cleaned up. */
export type RestoreOutcome = 'passed' | 'failed' | 'running';

export function restoreOutcome(r: RestoreRecord): RestoreOutcome {
  if (restoreSucceeded(r)) return 'passed';
  if (r.status === 'FAILED' || r.cleanup?.status === 'FAILED') return 'failed';
  // Restored but not finished (a drill still cleaning up), or still restoring.
  return 'running';
}
