/**
 * `backup-pipeline status --rto` (issue #12): per resource type and backup mode, the last restore drill
 * (when, passed or not, recovery time) and the last one that passed, then the latest restores; `--json`
 * for scripts. Exit 1 when a type's last drill did not pass.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RestoreStore } from '../../shared/state/restore-store';
import { type DrillSummary, drillOutcome, drillSummary } from '../../shared/workflow/drills/drill-summary';
import { humanDuration } from '../durations';
import { explainAwsError, resolveTarget, type TargetOptions } from '../target';
import { restoreJson, restoreLine } from './restore';

type Out = NodeJS.WritableStream;

/** Restores read: the newest, drills and operators' alike (the run report reads as many). */
export const RESTORES_READ = 500;

const at = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : 'never');

export function rtoTable(summary: readonly DrillSummary[]): string {
  const header = `${'TYPE'.padEnd(15)} ${'MODE'.padEnd(9)} ${'LAST_DRILL'.padEnd(17)} ${'RESULT'.padEnd(7)} ${'RECOVERY'.padStart(8)}  ${'LAST_PASSED'.padEnd(17)} ${'RECOVERY'.padStart(8)} ${'DRILLS'.padStart(6)}`;
  const rows = summary.map(
    (s) =>
      `${s.type.padEnd(15)} ${(s.mode ?? '-').padEnd(9)} ${at(s.lastAt).padEnd(17)} ${drillOutcome(s.lastPassed).padEnd(7)} ${humanDuration(s.lastRecoverySeconds).padStart(8)}  ${at(s.lastPassedAt).padEnd(17)} ${humanDuration(s.lastPassedRecoverySeconds).padStart(8)} ${String(s.drills).padStart(6)}${s.lastError ? `  ${s.lastError}` : ''}`,
  );
  return [header, ...rows].join('\n');
}

/**
 * A type's drills as scripts read them (docs/cli-json.md): `lastDrillAt` when its last drill started (as the
 * LAST_DRILL column), `lastPassedAt` when the last that passed did; absent facts are null.
 */
export function drillJson(s: DrillSummary) {
  return {
    type: s.type,
    mode: s.mode ?? null,
    drills: s.drills,
    lastDrillAt: s.lastAt,
    lastPassed: s.lastPassed,
    lastRecoverySeconds: s.lastRecoverySeconds ?? null,
    lastError: s.lastError ?? null,
    lastPassedAt: s.lastPassedAt ?? null,
    lastPassedRecoverySeconds: s.lastPassedRecoverySeconds ?? null,
  };
}

export async function rtoCommand(options: TargetOptions & { json: boolean }, out: Out = process.stdout) {
  const target = await resolveTarget(options);
  const client = new DynamoDBClient({ region: target.region });
  try {
    const restores = await new RestoreStore(DynamoDBDocumentClient.from(client), target.tableName)
      .list(RESTORES_READ)
      .catch((error: unknown) => Promise.reject(explainAwsError(error, `table ${target.tableName}`)));
    const summary = drillSummary(restores);
    if (options.json) {
      out.write(
        `${JSON.stringify({ drills: summary.map(drillJson), restores: restores.map(restoreJson) }, null, 2)}\n`,
      );
    } else {
      out.write("Restore drills by type (recovery time: from the restore's start to the resource available):\n");
      out.write(
        `${summary.length > 0 ? rtoTable(summary) : '  none yet: run one with "backup-pipeline restore --resource <arn|name> --drill --wait"'}\n`,
      );
      const latest = restores.slice(0, 10);
      if (latest.length > 0) out.write(`\nLatest restores:\n${latest.map((r) => `  ${restoreLine(r)}`).join('\n')}\n`);
    }
    return summary.every((s) => s.lastPassed) ? 0 : 1;
  } finally {
    client.destroy();
  }
}
