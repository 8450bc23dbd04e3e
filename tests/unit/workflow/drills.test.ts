/**
 * Restore drills, the pure parts: which resources a drill chooses (rotation, per type and mode, named
 * ARNs, the cap), how a restored resource is validated (its shape, then the validation function's
 * answer), the one notification of a drill, and each type's drill freshness for its alarm.
 */

import { HISTORY_LIMIT_EVENTS, PAYLOAD_LIMIT_BYTES } from '../../../local/execution-limits';
import { toRef } from '../../../shared/resource';
import type { RestorePoint, RestoreRecord } from '../../../shared/state/records';
import { nextWaitSeconds } from '../../../shared/workflow/backup/polling';
import { drillFreshness } from '../../../shared/workflow/drills/drill-freshness';
import {
  MAX_DRILL_PLAN_BYTES,
  MAX_DRILL_RESTORES,
  selectDrillTargets,
} from '../../../shared/workflow/drills/drill-selection';
import {
  CLEANUP_DEADLINE_HOURS,
  CLEANUP_WAIT,
  RESTORE_DEADLINE_HOURS,
  RESTORE_WAIT,
} from '../../../shared/workflow/restore/restore';
import { restoresMessage } from '../../../shared/workflow/restore/restore-notification';
import { planRestores, type RestorePlan } from '../../../shared/workflow/restore/restore-plan';
import { shapeIssues, validateRestore } from '../../../shared/workflow/restore/restore-validation';
import { restoreRecord } from '../services/rds/fixtures';

const REGION = 'eu-west-1';
const volumeArn = (n: number) => `arn:aws:ec2:${REGION}:111122223333:volume/vol-${String(n).padStart(17, '0')}`;
const instanceArn = (n: number) => `arn:aws:ec2:${REGION}:111122223333:instance/i-${String(n).padStart(17, '0')}`;
const pointOf = (arn: string, extra: Partial<RestorePoint> = {}): RestorePoint => ({
  arn,
  // The type and id the ARN names, read by the catalog's grammar.
  type: toRef(arn).type,
  region: REGION,
  resourceId: toRef(arn).id,
  runId: 'daily-1',
  tier: 'daily',
  backupIds: [`snap-${arn.slice(-4)}`],
  completedAt: '2026-11-30T02:30:00.000Z',
  copies: [],
  ...extra,
});

function sources(points: RestorePoint[], protectedArns = points.map((p) => p.arn)) {
  const reads: string[] = [];
  return {
    reads,
    list: async (arn: string) => {
      reads.push(arn);
      return points.filter((p) => p.arn === arn);
    },
    latestPoints: async () => protectedArns.map((arn) => ({ arn })),
  };
}

describe('selectDrillTargets', () => {
  const volumes = Array.from({ length: 10 }, (_, i) => pointOf(volumeArn(i + 1)));
  const snapshotsInstance = pointOf(instanceArn(1), { mode: 'snapshots' });
  const amiInstance = pointOf(instanceArn(2), { mode: 'ami' });
  const all = [...volumes, snapshotsInstance, amiInstance];

  it('chooses perType resources of each type and backup mode, the same for the same seed', async () => {
    // Act
    const first = await selectDrillTargets({ tier: 'daily', perType: 1, resources: [] }, sources(all), 'drill-a');
    const again = await selectDrillTargets({ tier: 'daily', perType: 1, resources: [] }, sources(all), 'drill-a');

    // Assess
    expect(first.targets.map((p) => `${p.type}/${p.mode ?? ''}`).sort()).toEqual([
      'ebs-volume/',
      'ec2-instance/ami',
      'ec2-instance/snapshots',
    ]);
    expect(again.targets.map((p) => p.arn)).toEqual(first.targets.map((p) => p.arn));
    expect(first.skipped).toEqual([]);
  });

  it('rotates across the fleet from one drill to the next', async () => {
    const chosen = new Set<string>();
    for (let week = 0; week < 12; week++) {
      const { targets } = await selectDrillTargets(
        { tier: 'daily', types: ['ebs-volume'], perType: 1, resources: [] },
        sources(volumes),
        `drill-week-${week}`,
      );
      for (const t of targets) chosen.add(t.arn);
    }
    expect(chosen.size).toBeGreaterThanOrEqual(5);
  });

  it('always drills the named resources, and names one without a backup instead of dropping it', async () => {
    const never = volumeArn(99);
    const { targets, skipped } = await selectDrillTargets(
      { tier: 'daily', perType: 0, resources: [never, amiInstance.arn] },
      sources(all),
      'drill-b',
    );
    expect(targets.map((p) => p.arn)).toEqual([amiInstance.arn]);
    expect(skipped).toEqual([{ arn: never, reason: 'no backup of it has completed' }]);
  });

  it(`restores at most ${MAX_DRILL_RESTORES} in one drill and names the rest`, async () => {
    const many = Array.from({ length: 30 }, (_, i) => pointOf(volumeArn(i + 100)));
    const { targets, skipped } = await selectDrillTargets(
      { tier: 'daily', perType: 0, resources: many.map((p) => p.arn) },
      sources(many),
      'drill-c',
    );
    expect(targets).toHaveLength(MAX_DRILL_RESTORES);
    expect(skipped).toHaveLength(5);
    expect(skipped[0]?.reason).toMatch(/over the 25 restores/);
  });
});

describe('validateRestore', () => {
  const plan = {
    restoreId: 'drill-1',
    arn: volumeArn(1),
    type: 'ebs-volume',
    mode: null,
    runId: 'daily-1',
    tier: 'daily',
    sourceRegion: REGION,
    region: REGION,
    backupIds: ['snap-1'],
    name: 'data-restored',
    drill: true,
    placement: null,
    settings: { encrypted: true },
    keepSeconds: 0,
  } satisfies RestorePlan;
  const storeWith = (record: RestoreRecord | undefined) => {
    const updates: Partial<RestoreRecord>[] = [];
    return {
      updates,
      get: async () => record,
      update: async (_id: string, fields: Partial<RestoreRecord>) => {
        updates.push(fields);
        return { ...(record as RestoreRecord), ...fields };
      },
    };
  };
  const shaped = (shape: RestoreRecord['shape']) => restoreRecord('drill-1', '2026-11-30T06:00:00.000Z', { shape });
  const NOW = new Date('2026-11-30T07:00:00.000Z');

  it('fails what is public or unencrypted from an encrypted source before asking the function', async () => {
    expect(shapeIssues({ encrypted: false, publiclyAccessible: true }, { encrypted: true })).toEqual([
      'it is publicly accessible',
      'its source was encrypted and it is not',
    ]);
    const invoke = jest.fn();
    const store = storeWith(shaped({ encrypted: false }));
    const result = await validateRestore(
      plan,
      { restoredIds: ['vol-1'] },
      {
        store,
        invoke,
        functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:v',
        now: NOW,
      },
    );
    expect(result).toEqual({
      status: 'FAILED',
      message: 'restored resource check: its source was encrypted and it is not',
    });
    expect(invoke).not.toHaveBeenCalled();
    expect(store.updates[0]?.validation).toMatchObject({ status: 'FAILED', at: NOW.toISOString() });
  });

  it("passes on the shape alone without a function, and takes the function's answer, its error or a bad answer as a failure", async () => {
    const fn = 'arn:aws:lambda:eu-west-1:111122223333:function:v';
    const run = (answer: Awaited<ReturnType<Parameters<typeof validateRestore>[2]['invoke']>>, functionArn?: string) =>
      validateRestore(
        plan,
        { restoredIds: ['vol-1'] },
        {
          store: storeWith(shaped({ encrypted: true })),
          invoke: async () => answer,
          functionArn,
          now: NOW,
        },
      );
    expect(await run({ payload: null })).toEqual({ status: 'PASSED', message: 'available with the recorded shape' });
    expect(await run({ payload: { passed: true, message: 'rows match' } }, fn)).toEqual({
      status: 'PASSED',
      message: 'rows match',
    });
    expect(await run({ payload: { passed: false } }, fn)).toEqual({
      status: 'FAILED',
      message: 'validation function failed it',
    });
    expect(await run({ functionError: 'timeout' }, fn)).toEqual({
      status: 'FAILED',
      message: 'validation function failed: timeout',
    });
    expect(await run({ payload: 'ok' }, fn)).toEqual({
      status: 'FAILED',
      message: 'validation function answered without "passed": true or false',
    });
  });
});

describe('restoresMessage', () => {
  const at = '2026-11-30T06:00:00.000Z';
  const context = { stackName: 'BackupPipeline', executionName: 'drill-1', drill: true };

  it('reads as the single restore when there is one', () => {
    const message = restoresMessage([restoreRecord('restore-1', at, { drill: false, cleanup: undefined })], [], {
      ...context,
      drill: false,
    });
    expect(message.subject).toBe('[BackupPipeline] Restore succeeded: orders-restore-1');
  });

  it('makes every subject one SNS accepts: printable ASCII, no line break, under 100 characters', () => {
    // Prepare: a non-ASCII name restores (an EC2 Name tag takes any Unicode); a stack name is long.
    const named = (name: string) => restoreRecord('restore-1', at, { drill: false, cleanup: undefined, name });
    const single = { ...context, drill: false };
    const subjects = [
      restoresMessage([named('données-prod')], [], single).subject,
      restoresMessage([named('line\nbreak\tand\u0007bell')], [], single).subject,
      restoresMessage([named('ok')], [], { ...single, stackName: 'S'.repeat(120) }).subject,
      restoresMessage([], [], { ...context, stackName: 'Sauvegarde-Électrique' }).subject,
      restoresMessage([named('a'), named('日本語')], [], { ...context, stackName: 'x'.repeat(200) }).subject,
    ];

    // Assess
    for (const subject of subjects) {
      expect(subject).toMatch(/^[!-~][ -~]*$/);
      expect(subject.length).toBeLessThan(100);
    }
    expect(subjects[0]).toBe('[BackupPipeline] Restore succeeded: donnees-prod');
    expect(subjects[1]).toBe('[BackupPipeline] Restore succeeded: line break and bell');
  });

  it('says a drill with nothing to restore had nothing to drill', () => {
    expect(restoresMessage([], [], context).subject).toBe('[BackupPipeline] Restore drill: nothing to drill');
  });

  it('puts failures first (validation, clean-up), then what was not restored, then what passed', () => {
    const message = restoresMessage(
      [
        restoreRecord('drill-1-1', at),
        restoreRecord('drill-1-2', at, { validation: { status: 'FAILED', message: 'row count 0', at } }),
      ],
      [{ arn: volumeArn(9), reason: 'no backup of it has completed' }],
      context,
    );
    expect(message.subject).toBe('[BackupPipeline] Restore drill FAILED: 2 of 3 failed');
    const body = message.body;
    expect(body.indexOf('drill-1-2: validation FAILED')).toBeLessThan(body.indexOf('Not restored'));
    expect(body.indexOf('Not restored')).toBeLessThan(body.indexOf('Passed:'));
    expect(body).toContain('Validation FAILED: row count 0');
    expect(body).toContain(`${volumeArn(9)}: no backup of it has completed`);
  });
});

describe('drillFreshness', () => {
  const now = new Date('2026-12-10T00:00:00.000Z');
  const passedAt = (type: RestoreRecord['type'], at: string, extra: Partial<RestoreRecord> = {}) =>
    restoreRecord(`d-${at}`, at, { type, finishedAt: at, ...extra });

  it('measures each protected type from its last passing drill, or the deploy; an unprotected type is 0', () => {
    const types = drillFreshness(
      [
        passedAt('rds-instance', '2026-12-08T00:00:00.000Z'),
        passedAt('rds-instance', '2026-12-09T00:00:00.000Z', { cleanup: { status: 'FAILED', at: '' } }),
        passedAt('ebs-volume', '2026-11-20T00:00:00.000Z'),
      ],
      {
        types: ['rds-instance', 'ebs-volume', 'aurora-cluster', 'dynamodb-table'],
        protectedTypes: new Set(['rds-instance', 'ebs-volume', 'dynamodb-table']),
        periodDays: 8,
        now,
        deployedAt: '2026-12-05T00:00:00.000Z',
      },
    );
    expect(types.map((t) => [t.type, t.hoursSince, t.breached])).toEqual([
      ['rds-instance', 48, false],
      ['ebs-volume', 480, true],
      ['aurora-cluster', 0, false],
      ['dynamodb-table', 120, false],
    ]);
  });
});

describe("a drill against Step Functions' limits", () => {
  it('never plans more than the payload a state may carry: heavy restores past the budget are named, not made', async () => {
    // Prepare: 25 named instances whose recorded settings are large (many volumes)
    const heavy = Array.from({ length: 25 }, (_, i) =>
      pointOf(instanceArn(i + 10), {
        mode: 'snapshots',
        restoreSettings: {
          volumes: Array.from({ length: 60 }, (_, v) => ({
            device: `/dev/sd${v}`,
            sizeGiB: 100 + v,
            volumeType: 'gp3',
            iops: 3000,
            throughput: 125,
            availabilityZone: 'eu-west-1a',
          })),
        },
      }),
    );
    const sourcesOf = sources(heavy);

    // Act
    const plan = await planRestores(
      { drill: true, select: { perType: 0, resources: heavy.map((p) => p.arn) } },
      {
        restoreId: 'drill-heavy',
        points: { findById: async () => undefined, list: sourcesOf.list },
        latestPoints: sourcesOf.latestPoints,
        defaultTier: 'daily',
        now: new Date('2026-12-01T06:00:00.000Z'),
      },
    );

    // Assess: what the state machine carries stays under 256 KiB; the rest is named
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(MAX_DRILL_PLAN_BYTES + 8 * 1024);
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(PAYLOAD_LIMIT_BYTES);
    expect(plan.restores.length).toBeGreaterThan(0);
    expect(plan.restores.length + plan.skipped.length).toBe(25);
    expect(plan.skipped[0]?.reason).toMatch(/KiB a drill's plan carries/);
  });

  it("stays inside a Standard execution's 25,000 history events with every restore checked and cleaned up to its deadline", () => {
    // Each check, and each clean-up round, is a Wait, a Task and a Choice: 2 + 5 + 2 events. The rest of a
    // restore (start, validate, keep, record, the Map iteration) is counted generously at 130.
    const rounds = (deadlineHours: number, wait: typeof RESTORE_WAIT) => {
      let n = 0;
      let elapsed = 0;
      const deadline = deadlineHours * 3600;
      while (elapsed <= deadline) {
        elapsed += nextWaitSeconds(
          { progress: undefined, elapsedSeconds: elapsed, secondsToDeadline: deadline - elapsed },
          wait,
        );
        n++;
      }
      return n;
    };
    const checks = rounds(RESTORE_DEADLINE_HOURS, RESTORE_WAIT);
    const cleanups = rounds(CLEANUP_DEADLINE_HOURS, CLEANUP_WAIT);
    const perRestore = (checks + cleanups) * 9 + 130;
    expect(MAX_DRILL_RESTORES * perRestore + 100).toBeLessThan(HISTORY_LIMIT_EVENTS);
  });
});
