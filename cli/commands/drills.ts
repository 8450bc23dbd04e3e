/**
 * `npm start -- --drill` (issue #12): after the backup run, one restore drill as the drill schedule starts
 * it (cdk.json `drills`: one resource per type and backup mode of the drill tier), an execution of the
 * restore state machine started through the sandbox's Step Functions API as EventBridge Scheduler
 * would: each resource restored from its latest point, checked, validated, timed, and always deleted.
 * Prints one line per restore and passes only when the drill passed.
 */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Sandbox } from '../../local/sandbox';
import { drillInput, drillsSchema } from '../../shared/config';
import { parseResourceArn } from '../../shared/resource';
import { modesOf } from '../../shared/services/modes';
import type { RestoreRecord } from '../../shared/state/records';
import { MAX_DRILL_RESTORES } from '../../shared/workflow/drills/drill-selection';
import { drillOutcome } from '../../shared/workflow/drills/drill-summary';
import { restoreSucceeded } from '../../shared/workflow/restore/restore';
import { humanDuration } from '../durations';
import { middleCut } from './backups';
import { TYPE_WIDTH } from './run-views';

export interface DrillRun {
  name: string;
  status: string;
  records: RestoreRecord[];
}

/** The drill the schedule would start (the configured one, or the defaults when drills are off). */
export async function runDrill(sandbox: Sandbox, sfn: SFNClient, name: string): Promise<DrillRun> {
  const drills = sandbox.config.drills ?? drillsSchema.parse({});
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: sandbox.restoreStateMachineArn,
      name,
      input: JSON.stringify(drillInput(drills, sandbox.config.defaultTier)),
    }),
  );
  const result = await sandbox.sfn.execution(started.executionArn ?? '').done;
  const records: RestoreRecord[] = [];
  for (let n = 1; n <= MAX_DRILL_RESTORES; n++) {
    const record = await sandbox.restores.get(`${name}-${n}`);
    if (!record) break;
    records.push(record);
  }
  return { name, status: result.status, records };
}

export function drillTable(records: readonly RestoreRecord[]): string {
  const pad = (text: string, width: number) => middleCut(text, width).padEnd(width);
  const header = `${pad('TYPE', TYPE_WIDTH)} ${pad('MODE', 9)} ${pad('SOURCE', 24)} ${pad('RESTORED_AS', 34)} ${'RECOVERY'.padStart(8)} ${pad('VALIDATED', 9)} ${pad('CLEAN-UP', 9)} RESULT`;
  const rows = records.map((record) => {
    const parsed = parseResourceArn(record.arn);
    const source = parsed.ok ? parsed.ref.id : record.arn;
    const restored = record.restoredIds?.join(', ') ?? '-';
    const why = record.error
      ? `: ${record.error.error}: ${record.error.cause}`
      : record.validation?.status === 'FAILED'
        ? `: validation: ${record.validation.message}`
        : record.cleanup?.status === 'FAILED'
          ? `: clean-up: ${record.cleanup.cause ?? ''}; left: ${(record.cleanup.leftovers ?? []).join(', ')}`
          : '';
    const result = restoreSucceeded(record) ? drillOutcome(true) : `${drillOutcome(false)}${why}`;
    return `${pad(record.type, TYPE_WIDTH)} ${pad(record.mode ?? modesOf(record.type)[0] ?? '-', 9)} ${pad(source, 24)} ${pad(restored, 34)} ${humanDuration(record.recoverySeconds).padStart(8)} ${pad(record.validation?.status ?? '-', 9)} ${pad(record.cleanup?.status ?? '-', 9)} ${result}`;
  });
  return [header, ...rows].join('\n');
}
