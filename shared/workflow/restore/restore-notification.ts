/**
 * What a restore execution tells the operator (the state machine's last task, "Notify"): one message
 * per execution. A single restore reads as before; a drill of several resources reads as one report,
 * failures first (a failed restore, a failed validation, a clean-up that left resources behind), then
 * what the drill could not restore at all, then what passed. Every subject is made one SNS takes
 * (./sns-subject.ts): a restore's name may be any Unicode.
 */
import type { RestoreRecord } from '../../state/records';
import type { SkippedTarget } from '../drills/drill-selection';
import { snsSubject } from '../notify/sns-subject';
import { restoreSucceeded } from './restore';

function outcomeOf(record: RestoreRecord): string {
  if (restoreSucceeded(record)) return record.drill ? 'passed' : 'succeeded';
  if (record.cleanup?.status === 'FAILED') return 'clean-up FAILED';
  if (record.status === 'AVAILABLE' && record.validation?.status === 'FAILED') return 'validation FAILED';
  return 'FAILED';
}

function detailLines(record: RestoreRecord): string[] {
  return [
    `Source: ${record.arn}`,
    `Backup: ${record.backupIds.join(', ')} (run ${record.runId}, tier ${record.tier}) in ${record.region}`,
    `Restored as: ${record.name}${record.restoredIds?.length ? ` (${record.restoredIds.join(', ')})` : ''}`,
    ...(record.recoverySeconds !== undefined ? [`Recovery time: ${Math.round(record.recoverySeconds / 60)} min`] : []),
    ...(record.error ? [`Error: ${record.error.error}: ${record.error.cause}`] : []),
    ...(record.validation ? [`Validation ${record.validation.status}: ${record.validation.message}`] : []),
    ...(record.cleanup?.status === 'DELETED' ? ['Clean-up: everything the drill restored is deleted'] : []),
    ...(record.cleanup?.status === 'FAILED'
      ? [
          `Clean-up FAILED: ${record.cleanup.cause ?? ''}`,
          `Left behind (delete by hand): ${(record.cleanup.leftovers ?? []).join(', ') || 'unknown'}`,
        ]
      : []),
  ];
}

/** The notification's subject and body for one restore. */
export function restoreMessage(record: RestoreRecord, stackName: string): { subject: string; body: string } {
  const what = record.drill ? 'Restore drill' : 'Restore';
  const outcome = outcomeOf(record);
  // The name says which; the body says from what.
  const subject = snsSubject(`[${stackName}] ${what} ${outcome}: ${record.name}`);
  return { subject, body: [`${what} ${record.restoreId}: ${outcome}`, ...detailLines(record)].join('\n') };
}

/** One message for an execution's restores (and what a drill could not restore). */
export function restoresMessage(
  records: readonly RestoreRecord[],
  skipped: readonly SkippedTarget[],
  context: { stackName: string; executionName: string; drill: boolean },
): { subject: string; body: string } {
  const [only] = records;
  if (records.length === 1 && only && skipped.length === 0) return restoreMessage(only, context.stackName);
  if (records.length === 0 && skipped.length === 0)
    return {
      subject: snsSubject(`[${context.stackName}] Restore drill: nothing to drill`),
      body: `Restore drill ${context.executionName}: nothing to restore. The drill's tier protects no resource (of the types it drills) with a completed backup yet; nothing was made.`,
    };
  const failed = records.filter((r) => !restoreSucceeded(r));
  const passed = records.filter((r) => restoreSucceeded(r));
  const what = context.drill ? 'Restore drill' : 'Restores';
  const problems = failed.length + skipped.length;
  const subject = snsSubject(
    problems === 0
      ? `[${context.stackName}] ${what} passed: ${passed.length} of ${records.length} restored`
      : `[${context.stackName}] ${what} FAILED: ${problems} of ${records.length + skipped.length} failed`,
  );
  const lines = [
    `${what} ${context.executionName}: ${passed.length} passed, ${failed.length} failed${skipped.length ? `, ${skipped.length} not restored` : ''}`,
    ...failed.flatMap((r) => ['', `${r.restoreId}: ${outcomeOf(r)}`, ...detailLines(r)]),
    ...(skipped.length
      ? ['', 'Not restored (nothing was made):', ...skipped.map((s) => `  ${s.arn}: ${s.reason}`)]
      : []),
    ...(passed.length
      ? [
          '',
          'Passed:',
          ...passed.map(
            (r) =>
              `  ${r.restoreId} ${r.type} ${r.arn}: ${r.recoverySeconds !== undefined ? `${Math.round(r.recoverySeconds / 60)} min` : ''}`,
          ),
        ]
      : []),
  ];
  return { subject, body: lines.join('\n') };
}
