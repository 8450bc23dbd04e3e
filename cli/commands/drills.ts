/**
 * `npm start -- --drill` (issue #12): after the backup run, one restore drill per resource type and backup
 * mode, each an execution of the restore state machine started through the sandbox's Step Functions API
 * as an operator's tools would: restored from the resource's latest point, checked, timed, and always
 * deleted. Prints one line per drill and passes only when every drill restored and cleaned up.
 */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Sandbox } from '../../local/sandbox';
import type { BackupPoint, ResourceRecord, RestoreRecord } from '../../shared/state/records';
import { restoreSucceeded } from '../../shared/workflow/restore';
import { humanDuration } from '../durations';
import { middleCut } from './backups';

export interface DrillOutcome {
  point: BackupPoint;
  record: RestoreRecord | undefined;
  status: string;
  passed: boolean;
}

/** One point per (type, mode): the newest of the first resource of each that completed. */
export async function drillTargets(sandbox: Sandbox, records: readonly ResourceRecord[]): Promise<BackupPoint[]> {
  const chosen = new Map<string, BackupPoint>();
  for (const r of records.filter((x) => x.status === 'COMPLETED')) {
    const [point] = await sandbox.points.list(r.arn);
    const key = `${r.type}/${point?.mode ?? ''}`;
    if (point && !chosen.has(key)) chosen.set(key, point);
  }
  return [...chosen.values()];
}

export async function runDrills(sandbox: Sandbox, sfn: SFNClient, points: readonly BackupPoint[], stamp: string) {
  return Promise.all(
    points.map(async (point, i): Promise<DrillOutcome> => {
      const name = `drill-${stamp}-${i + 1}`;
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: sandbox.restoreStateMachineArn,
          name,
          input: JSON.stringify({ resource: point.arn, latest: true, drill: true }),
        }),
      );
      const result = await sandbox.sfn.execution(started.executionArn ?? '').done;
      const record = await sandbox.restores.get(name);
      const passed = result.status === 'SUCCEEDED' && record !== undefined && restoreSucceeded(record);
      return { point, record, status: result.status, passed };
    }),
  );
}

export function drillTable(outcomes: readonly DrillOutcome[]): string {
  const pad = (text: string, width: number) => middleCut(text, width).padEnd(width);
  const header = `${pad('TYPE', 15)} ${pad('MODE', 9)} ${pad('SOURCE', 24)} ${pad('RESTORED AS', 34)} ${'RECOVERY'.padStart(8)} ${pad('CLEAN-UP', 9)} RESULT`;
  const rows = outcomes.map(({ point, record, passed }) => {
    const restored = record?.restoredIds?.join(', ') ?? '-';
    const result = passed ? 'passed' : `FAILED${record?.error ? `: ${record.error.error}: ${record.error.cause}` : ''}`;
    return `${pad(point.type, 15)} ${pad(point.mode ?? '-', 9)} ${pad(point.resourceId, 24)} ${pad(restored, 34)} ${humanDuration(record?.recoverySeconds).padStart(8)} ${pad(record?.cleanup?.status ?? '-', 9)} ${result}`;
  });
  return [header, ...rows].join('\n');
}
