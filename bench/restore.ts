/**
 * The bench's restore section (issue #12): the demo estate backed up once, then one restore drill per
 * resource type and backup mode through statemachines/restore.asl.json (restored, checked, timed,
 * deleted), each measured from its execution: state transitions, Lambda invocations, polls, simulated
 * recovery time, and the orchestration cost at the public prices the backup figures use.
 */
import { PRICES } from '../local/figures';
import { startSandbox } from '../local/sandbox';
import type { RestorePoint } from '../shared/state/records';

export interface RestoreRow {
  type: string;
  mode: string;
  status: string;
  transitions: number;
  invocations: number;
  polls: number;
  recoveryMinutes: number | undefined;
  costUsd: number;
}

export async function benchRestores(): Promise<{ rows: RestoreRow[]; wallSeconds: number }> {
  const wallStart = Date.now();
  const sandbox = await startSandbox({ fleet: { kind: 'demo' }, seed: 42 });
  try {
    const backup = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'bench-restore-backup', '{}').done;
    if (backup.status !== 'SUCCEEDED') throw new Error(`the backup run before the drills ${backup.status}`);
    const chosen = new Map<string, RestorePoint>();
    for (const r of await sandbox.store.listResources('bench-restore-backup')) {
      const [point] = r.status === 'COMPLETED' ? await sandbox.points.list(r.arn) : [];
      if (point && !chosen.has(`${point.type}/${point.mode ?? ''}`))
        chosen.set(`${point.type}/${point.mode ?? ''}`, point);
    }
    const rows: RestoreRow[] = [];
    for (const [i, point] of [...chosen.values()].entries()) {
      const name = `bench-drill-${i + 1}`;
      const input = JSON.stringify({ resource: point.arn, latest: true, drill: true });
      const result = await sandbox.sfn.startExecution(sandbox.restoreStateMachineArn, name, input).done;
      const record = await sandbox.restores.get(name);
      const invocations = Object.values(result.stats.invocations).reduce((a, b) => a + b, 0);
      rows.push({
        type: point.type,
        mode: point.mode ?? '-',
        status: result.status,
        transitions: result.stats.transitions,
        invocations,
        polls: record?.polls ?? 0,
        recoveryMinutes: record?.recoverySeconds !== undefined ? record.recoverySeconds / 60 : undefined,
        costUsd:
          result.stats.transitions * PRICES.perStateTransition +
          invocations * (PRICES.perLambdaRequest + PRICES.perLambdaInvocationCompute + PRICES.perInvocationDynamo),
      });
    }
    return { rows, wallSeconds: (Date.now() - wallStart) / 1000 };
  } finally {
    await sandbox.close();
  }
}

export function restoreSection(bench: { rows: RestoreRow[]; wallSeconds: number }): string {
  const lines = [
    '## Restores: one drill per type and backup mode',
    '',
    'The demo estate backed up once, then each drill through statemachines/restore.asl.json: restored from the',
    'latest point, checked until available (waits grow with the time spent: restores report no progress), timed,',
    "validated (its shape, then the sandbox's validation function), and deleted (the clean-up loops until AWS",
    'reports nothing left). Each drill is one execution of one restore, so its figures include Plan, the Map and',
    "Notify. Recovery time is the model's, from size.",
    '',
    '| type | mode | status | transitions | Lambda invocations | checks | recovery (simulated) | cost per restore |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...bench.rows.map(
      (r) =>
        `| ${r.type} | ${r.mode} | ${r.status} | ${r.transitions} | ${r.invocations} | ${r.polls} | ${r.recoveryMinutes === undefined ? '-' : `${r.recoveryMinutes.toFixed(0)} min`} | $${r.costUsd.toFixed(5)} |`,
    ),
    '',
    `Wall time for the backup run and ${bench.rows.length} drills on this machine: ${bench.wallSeconds.toFixed(1)} s.`,
    '',
  ];
  return lines.join('\n');
}
