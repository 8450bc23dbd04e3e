/**
 * The bench's retention section (issue #11 item 3): `BENCH_RETENTION` owned backups (default 100,000;
 * 0 skips) seeded straight into the sandbox's model (local/estates/retention.ts: volumes, 3-volume
 * instance sets, AMI-held sets, foreign and untagged snapshots in the home region; RDS snapshots in a
 * second region), then the real workflow on a run that backs up nothing, so only its retention states
 * work, with AWS's token buckets on. Reports the simulated duration, delete calls, wall time and wrong
 * deletions, checked against the estate's construction, never by the retention rules.
 */
import { checkRetention, mixedRetentionSources, seedRetentionEstate } from '../local/estates/retention';
import { startSandbox } from '../local/sandbox';
import { ownerTagValue } from '../shared/tags';

export interface RetentionFigures {
  owned: number;
  expired: number;
  status: string;
  deleted: number;
  kept: number;
  failedDeletes: number;
  wrongDeletions: number;
  missedDeletions: number;
  deleteCalls: number;
  describeCalls: number;
  largestChildHistoryEvents: number;
  simulatedHours: number;
  wallSeconds: number;
}

const DR = 'us-west-2';
/** Backups per source over 30 days: a volume 30, an instance 90 (3 volumes), a database 30. */
const DAYS = 30;

/** Runs the retention measurement; undefined when `count` is 0. */
export async function benchRetention(count: number): Promise<RetentionFigures | undefined> {
  if (count <= 0) return undefined;
  const wallStart = Date.now();
  const sandbox = await startSandbox({ fleet: { kind: 'none' }, seed: 4242 });
  try {
    const model = sandbox.model;
    if (!model) throw new Error('the retention bench needs the built-in emulator');
    const owner = ownerTagValue(sandbox.config.stackName, sandbox.region);
    const oracle = seedRetentionEstate(model, {
      owner: () => owner,
      accountId: sandbox.accountId,
      nowMs: sandbox.scheduler.now().getTime(),
      // A tenth databases (in DR: a second region, its own delete bucket), the rest volumes and instances.
      sources: mixedRetentionSources(model, count, DAYS, [sandbox.region, DR]),
      days: DAYS,
    });
    await sandbox.store.recordCopyRegions([DR], sandbox.scheduler.now().toISOString());
    const callsBefore = new Map(model.calls);
    const runId = 'bench-retention';
    const result = await sandbox.sfn.startExecution(
      sandbox.stateMachineArn,
      runId,
      JSON.stringify({ tier: 'daily', targets: { tags: { 'bench-matches-nothing': 'true' } } }),
    ).done;
    // Calls by operation during the run ("ec2:DeleteSnapshot"), throttled ones included.
    const calls = [...model.calls].map(([op, total]) => ({ op, count: total - (callsBefore.get(op) ?? 0) }));
    const sum = (pattern: RegExp) => calls.filter((c) => pattern.test(c.op)).reduce((s, c) => s + c.count, 0);
    const run = await sandbox.store.getRun(runId);
    const check = checkRetention(model, oracle, [sandbox.region, DR]);
    return {
      owned: oracle.owned,
      expired: oracle.mustDelete.size,
      status: result.status,
      deleted: run?.retention?.deleted ?? 0,
      kept: run?.retention?.kept ?? 0,
      failedDeletes: run?.retention?.failedDeletes ?? 0,
      wrongDeletions: check.wrongDeletions.length,
      missedDeletions: check.missedDeletions.length,
      deleteCalls: sum(/:(DeleteSnapshot|DeleteDBSnapshot|DeregisterImage)$/),
      describeCalls: sum(/:Describe/),
      largestChildHistoryEvents: Math.max(
        0,
        ...(result.stats.childHistoryEventsByMap['Apply retention in each region'] ?? []),
      ),
      simulatedHours: (result.stoppedAt.getTime() - result.startedAt.getTime()) / 3_600_000,
      wallSeconds: (Date.now() - wallStart) / 1000,
    };
  } finally {
    await sandbox.close();
  }
}

/** The section docs/benchmarks.md gets. */
export function retentionSection(f: RetentionFigures): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    `## Retention over ${n(f.owned)} owned backups`,
    '',
    'Seeded straight into the model: EBS volumes and 3-volume instances (home region) and RDS instances (a',
    'second region), each with one daily backup a day for 30 days expiring after 7 days, plus per volume a',
    'foreign-owned and an untagged snapshot and per instance its oldest set held by a hand-made AMI. The real',
    'workflow then runs with nothing to back up; retention fans out per region and service and paces each',
    "unit's deletes by its API's token bucket (100 burst, 5 a second) with Wait states. Wrong deletions are",
    "checked against the estate's construction, not by the retention rules.",
    '',
    '| figure | value |',
    '|---|---:|',
    `| run status | ${f.status} |`,
    `| owned backups / expired by construction | ${n(f.owned)} / ${n(f.expired)} |`,
    `| deleted / kept / failed deletes (run record) | ${n(f.deleted)} / ${n(f.kept)} / ${n(f.failedDeletes)} |`,
    `| **wrong deletions** (kept by construction but gone) | **${n(f.wrongDeletions)}** |`,
    `| expired backups left behind | ${n(f.missedDeletions)} |`,
    `| delete API calls (DeleteSnapshot, DeleteDBSnapshot, DeregisterImage) | ${n(f.deleteCalls)} |`,
    `| describe API calls | ${n(f.describeCalls)} |`,
    `| largest retention child history (events, limit 25,000) | ${n(f.largestChildHistoryEvents)} |`,
    `| simulated duration | ${f.simulatedHours.toFixed(2)} h |`,
    `| wall time (this machine) | ${f.wallSeconds.toFixed(1)} s |`,
    '',
  ].join('\n');
}
