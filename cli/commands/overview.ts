/**
 * `backup-pipeline status` without a run: the overview. The latest runs (as `runs` lists them), then the
 * restores and drills of the last RECENT_RESTORE_DAYS days in brief: a count, every one that failed named
 * with what it left behind (never cut), the newest others, and where the details are (`status <run-id>`,
 * `status --rto`). `--json` for scripts. Exit 1 when a run or a restore it lists failed.
 */

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type RestoreRecord, withoutTableAttributes } from '../../shared/state/records';
import { RestoreStore, type StartedWithin } from '../../shared/state/restore-store';
import { restoreOutcome } from '../../shared/workflow/drills/drill-summary';
import { RECENT_RESTORE_DAYS } from '../options';
import { explainAwsError, resolveTarget, type TargetOptions } from '../target';
import { closeRuns, storeFor } from './operate';
import { restoreLine } from './restore';
import { RESTORES_READ } from './rto';
import { runsTable } from './run-views';

type Out = NodeJS.WritableStream;

/** Runs the overview lists, newest first. */
export const OVERVIEW_RUNS = 5;
/** How far back the overview looks for restores and drills (cli/options.ts, where the help names it). */
export { RECENT_RESTORE_DAYS };

/** Restores that did not fail, listed one a line (newest first); failed ones are always all listed. */
const OTHER_RESTORE_LINES = 3;

/** The restores' start-time range the overview reads: the last `days` days up to `now`. */
export function recentRange(now: Date, days = RECENT_RESTORE_DAYS): StartedWithin {
  return { from: new Date(now.getTime() - days * 86_400_000).toISOString() };
}

/**
 * The overview's restore lines (restores newest first, all of the period): a count naming the failures,
 * every failed restore or drill with what a failed clean-up left behind, the newest `others` of the rest,
 * how many more there are, and the pointer to `status --rto`.
 */
export function restoresOverview(
  restores: readonly RestoreRecord[],
  days = RECENT_RESTORE_DAYS,
  others = OTHER_RESTORE_LINES,
): string[] {
  const period = `Restores and drills, last ${days} days`;
  const pointer = "Each type's last drill and recovery time: backup-pipeline status --rto";
  if (restores.length === 0)
    return [`${period}: none (drill one with "backup-pipeline restore --resource <arn> --latest --drill")`, pointer];
  const failed = restores.filter((r) => restoreOutcome(r) === 'failed');
  const rest = restores.filter((r) => restoreOutcome(r) !== 'failed');
  const drills = restores.filter((r) => r.drill).length;
  const shown = rest.slice(0, others);
  const more = rest.length - shown.length;
  return [
    `${period}: ${restores.length} (${drills} ${drills === 1 ? 'drill' : 'drills'})${failed.length > 0 ? `, ${failed.length} FAILED` : ', none failed'}`,
    ...failed.flatMap((r) => [
      `  ✗ ${restoreLine(r)}`,
      ...(r.cleanup?.status === 'FAILED'
        ? [`      left behind, delete by hand: ${(r.cleanup.leftovers ?? []).join(', ') || 'unknown'}`]
        : []),
    ]),
    ...shown.map((r) => `  ${restoreLine(r)}`),
    ...(more > 0 ? [`  and ${more} more`] : []),
    pointer,
  ];
}

/** Whether the overview shows a failure: a listed run that failed, or a restore or drill of the period. */
export function overviewFailed(runs: readonly { status: string }[], restores: readonly RestoreRecord[]) {
  // As `status <run>` exits: a run that FAILED, was stopped (ABORTED) or TIMED_OUT did not back up what it should.
  return (
    runs.some((r) => ['FAILED', 'ABORTED', 'TIMED_OUT'].includes(r.status)) ||
    restores.some((r) => restoreOutcome(r) === 'failed')
  );
}

export async function overviewCommand(options: TargetOptions & { json: boolean }, out: Out = process.stdout) {
  const target = await resolveTarget(options);
  const { store, client, close } = storeFor(target);
  const explained = (error: unknown) => Promise.reject(explainAwsError(error, `table ${target.tableName}`));
  try {
    // Each closed as its execution ended: a stopped run reads ABORTED, as in `runs`.
    const runs = await closeRuns(target.region, await store.listRuns(OVERVIEW_RUNS).catch(explained));
    const restores = await new RestoreStore(DynamoDBDocumentClient.from(client), target.tableName)
      .list(RESTORES_READ, recentRange(new Date()))
      .catch(explained);
    if (options.json) {
      out.write(
        `${JSON.stringify(
          {
            runs: runs.map(({ input: _input, retentionDecisions: _d, ...run }) => withoutTableAttributes(run)),
            restores: {
              days: RECENT_RESTORE_DAYS,
              total: restores.length,
              failed: restores.filter((r) => restoreOutcome(r) === 'failed').length,
              records: restores.map((r) => ({ ...withoutTableAttributes(r), outcome: restoreOutcome(r) })),
            },
          },
          null,
          2,
        )}\n`,
      );
    } else {
      out.write(`Latest runs:\n${runs.length ? runsTable(runs) : 'No runs yet.'}\n`);
      out.write('Details of one run: backup-pipeline status <run-id>\n\n');
      out.write(`${restoresOverview(restores).join('\n')}\n`);
    }
    return overviewFailed(runs, restores) ? 1 : 0;
  } finally {
    close();
  }
}
