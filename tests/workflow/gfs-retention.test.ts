/**
 * GfsOverNinetyDays: grandfather-father-son retention over 90 simulated days. The real ASL and handlers
 * run against the AWS model on the virtual clock, started as EventBridge Scheduler would start them:
 * a daily run every day, a weekly run on Sundays, a monthly run on the 1st. Every run's Apply retention
 * deletes what the policy allows. At the end, the backups left must be exactly the set the policy
 * keeps, computed here independently and plainly from the rules (not with decideRetention), and no
 * foreign or untagged snapshot may ever have been touched.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { livePlaces } from '../../shared/state/restore-points';
import { TAG } from '../../shared/tags';
import { ACCOUNT, openSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(120_000);

const DAY = 86_400_000;
/** Day 1 is Thursday 1 January 2026; day 90 is Tuesday 31 March: 3 month starts, 13 Sundays. */
const START = new Date('2026-01-01T00:00:00.000Z');
const DAYS = 90;

/**
 * A policy in which every rule decides something within 90 days: daily keeps 7 days but the last 10
 * (keep-last wins), weekly keeps 35 days and the last 2 (age wins), monthly keeps 40 days and the last 2
 * (age keeps March, keep-last keeps February, January goes). Schedules as the defaults: monthly 00:00,
 * weekly 01:00, daily 02:00 UTC.
 */
const POLICY = {
  daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 10 },
  weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, keepLast: 2 },
  monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 40, keepLast: 2 },
} as const;
type Tier = keyof typeof POLICY;

/** Which tiers EventBridge Scheduler starts on a day, at which hour, in the order they start. */
function scheduledRuns(day: Date): { tier: Tier; at: Date }[] {
  const at = (hour: number) => new Date(day.getTime() + hour * 3_600_000);
  return [
    ...(day.getUTCDate() === 1 ? [{ tier: 'monthly' as const, at: at(0) }] : []),
    ...(day.getUTCDay() === 0 ? [{ tier: 'weekly' as const, at: at(1) }] : []),
    { tier: 'daily' as const, at: at(2) },
  ];
}

/** A backup the pipeline made: which run (tier, start) and which source. */
interface Made {
  id: string;
  tier: Tier;
  source: string;
  runStartedAt: Date;
}

/**
 * The policy, applied by hand at `now`: a backup stays when it has not expired (run start plus its
 * tier's retentionDays is still ahead), or it is among its tier's keepLast newest of its source, or it
 * is the newest backup of its source. The reason is the first of these that holds, in that order.
 */
function expectedDecisions(made: readonly Made[], now: Date): Map<string, string> {
  const out = new Map<string, string>();
  const newestOfSource = new Map<string, Made>();
  for (const b of made) {
    const newest = newestOfSource.get(b.source);
    if (!newest || newest.runStartedAt < b.runStartedAt) newestOfSource.set(b.source, b);
  }
  for (const b of made) {
    const sameGroupNewer = made.filter(
      (o) => o.source === b.source && o.tier === b.tier && o.runStartedAt > b.runStartedAt,
    ).length;
    const expiresAt = b.runStartedAt.getTime() + POLICY[b.tier].retentionDays * DAY;
    if (expiresAt > now.getTime()) out.set(b.id, 'keep:not-expired');
    else if (sameGroupNewer < POLICY[b.tier].keepLast) out.set(b.id, 'keep:keep-last');
    else if (newestOfSource.get(b.source) === b) out.set(b.id, 'keep:newest-of-source');
    else out.set(b.id, 'delete:expired');
  }
  return out;
}

/** managed-by as the stack writes it: its name at its home region. */
const OWNER = `BackupPipeline@${REGION}`;
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const tagOf = (tags: { Key?: string; Value?: string }[] | undefined, key: string) =>
  tags?.find((t) => t.Key === key)?.Value;

describe('GFS retention', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await openSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe('GfsOverNinetyDays', () => {
    it('after 90 days of daily, weekly and monthly runs keeps exactly the backups the policy keeps, and never touches foreign or untagged ones', async () => {
      // Prepare: one tagged EBS volume and one tagged RDS instance (quick snapshots keep the 106 runs fast),
      // and, from before day 1, a foreign and an untagged snapshot of each kind, long expired by any rule.
      await sandbox.reset({ config: { tiers: POLICY }, clockStart: START });
      const { model, scheduler, store } = sandbox;
      const volume = model.addVolume(REGION, { Size: 8, Tags: [BACKUP_TAG], snapshotSeconds: 120 });
      model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'orders',
        AllocatedStorage: 20,
        TagList: [BACKUP_TAG],
        snapshotSeconds: 300,
      });
      const longAgo = START.getTime() - 60 * DAY;
      const foreignTags = [
        { Key: TAG.managedBy, Value: 'SomeoneElse' },
        { Key: TAG.tier, Value: 'daily' },
        { Key: TAG.source, Value: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${volume.VolumeId}` },
        { Key: TAG.expiresAt, Value: new Date(longAgo + DAY).toISOString() },
      ];
      const bystanders = {
        ebs: [
          model.addExistingSnapshot(REGION, { VolumeId: volume.VolumeId, startMs: longAgo, Tags: foreignTags })
            .SnapshotId,
          model.addExistingSnapshot(REGION, { VolumeId: volume.VolumeId, startMs: longAgo, Tags: [] }).SnapshotId,
        ],
        rds: [
          model.addExistingDbSnapshot(REGION, {
            DBSnapshotIdentifier: 'someone-elses-orders',
            DBInstanceIdentifier: 'orders',
            startMs: longAgo,
            TagList: foreignTags,
          }).DBSnapshotIdentifier,
          model.addExistingDbSnapshot(REGION, {
            DBSnapshotIdentifier: 'hand-made-orders',
            DBInstanceIdentifier: 'orders',
            startMs: longAgo,
          }).DBSnapshotIdentifier,
        ],
      };

      // Act: 90 days of scheduled runs, each waiting for its slot on the virtual clock.
      const made: Made[] = [];
      const runs: { runId: string; status: string; cause?: string }[] = [];
      for (let day = 0; day < DAYS; day++) {
        for (const { tier, at } of scheduledRuns(new Date(START.getTime() + day * DAY))) {
          await scheduler.sleep(at.getTime() - scheduler.nowMs());
          const runId = `${tier}-${dateOf(at)}`;
          const result = await sandbox.run({ tier }, runId);
          runs.push({ runId, status: result.status, ...(result.cause ? { cause: result.cause } : {}) });
          for (const record of await store.listResources(runId)) {
            for (const id of record.backupIds ?? [])
              made.push({ id, tier, source: record.arn, runStartedAt: result.startedAt });
          }
        }
      }
      const retentionRanAt = scheduler.now();

      // Assess: every run succeeded and made one backup of each source.
      expect(runs.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
      expect(runs).toHaveLength(90 + 13 + 3);
      expect(made).toHaveLength(2 * runs.length);

      // The backups left, per tier, source and creation date, equal what the policy keeps.
      const label = (tier: string | undefined, source: string | undefined, created: Date | undefined) =>
        `${tier} ${source?.split(/[/:]/).at(-1)} ${created ? dateOf(created) : '?'}`;
      const ours = (tags: { Key?: string; Value?: string }[] | undefined) => tagOf(tags, TAG.managedBy) === OWNER;
      const left = [
        ...model
          .snapshots(REGION)
          .filter((s) => ours(s.Tags))
          .map((s) => label(tagOf(s.Tags, TAG.tier), tagOf(s.Tags, TAG.source), s.StartTime)),
        ...model
          .dbSnapshots(REGION)
          .filter((s) => ours(s.TagList))
          .map((s) => label(tagOf(s.TagList, TAG.tier), tagOf(s.TagList, TAG.source), s.SnapshotCreateTime)),
      ].sort();
      const expected = expectedDecisions(made, retentionRanAt);
      const kept = made
        .filter((b) => expected.get(b.id)?.startsWith('keep'))
        .map((b) => label(b.tier, b.source, b.runStartedAt))
        .sort();
      expect(left).toEqual(kept);

      // The same, counted by hand from the policy on 31 March: daily 22-31 March (keep-last 10 beats
      // 7 days), weekly the 5 Sundays from 1 March (35 days beats keep-last 2), monthly 1 March (40 days)
      // and 1 February (keep-last 2); 1 January's monthly is gone.
      const perTier = (tier: Tier) =>
        left
          .filter((l) => l.startsWith(`${tier} `))
          .map((l) => l.slice(-10))
          .sort();
      expect(perTier('daily')).toHaveLength(2 * 10);
      expect(perTier('daily').every((date) => date >= '2026-03-22')).toBe(true);
      expect(perTier('weekly')).toEqual(
        ['2026-03-01', '2026-03-08', '2026-03-15', '2026-03-22', '2026-03-29'].flatMap((d) => [d, d]).sort(),
      );
      expect(perTier('monthly')).toEqual(['2026-02-01', '2026-02-01', '2026-03-01', '2026-03-01']);

      // The last run explains each decision with the rule the policy names.
      const last = await store.getRun(runs.at(-1)?.runId ?? '');
      const recorded = last?.retentionDecisions ?? [];
      expect(recorded.length).toBeGreaterThan(kept.length);
      for (const d of recorded) expect(`${d.action}:${d.ruleId}`).toBe(expected.get(d.id));
      expect(new Set(recorded.map((d) => d.ruleId))).toEqual(new Set(['not-expired', 'keep-last', 'expired']));

      // Foreign and untagged snapshots are all still there, and no run ever even decided about them.
      const snapshotIds = model.snapshots(REGION).map((s) => s.SnapshotId);
      const dbSnapshotIds = model.dbSnapshots(REGION).map((s) => s.DBSnapshotIdentifier);
      expect(snapshotIds).toEqual(expect.arrayContaining(bystanders.ebs));
      expect(dbSnapshotIds).toEqual(expect.arrayContaining(bystanders.rds));
      const decided = new Set<string>();
      for (const { runId } of runs) {
        for (const d of (await store.getRun(runId))?.retentionDecisions ?? []) decided.add(d.id);
      }
      for (const id of [...bystanders.ebs, ...bystanders.rds]) expect(decided.has(id)).toBe(false);
      const ebsMade = made.filter((b) => b.source.includes(':volume/')).length;
      const ebsLeft = model.snapshots(REGION).filter((s) => ours(s.Tags)).length;
      expect(model.calls.get('ec2:DeleteSnapshot')).toBe(ebsMade - ebsLeft);
    });
  });

  describe('FaultedRunsKeepRestorePoints', () => {
    it('after a clean run and two faulted runs of 3-volume instances, every instance still has a complete restore point', async () => {
      // Prepare: 12 instances of 3 volumes; daily backups expire after 1 day, keep-last 1. Runs 2 days apart.
      await sandbox.reset({
        config: { tiers: { daily: { retentionDays: 1, keepLast: 1 } }, defaultTier: 'daily' },
        clockStart: START,
      });
      const { model, scheduler, store } = sandbox;
      const instances = Array.from({ length: 12 }, () =>
        model.addInstance(REGION, {
          Tags: [BACKUP_TAG],
          volumes: [1, 2, 3].map(() => ({ Size: 8, snapshotSeconds: 120 })),
        }),
      );
      const arnOf = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
      /** Instances whose snapshots of one run are all there and completed, one per volume. */
      const withRestorePoint = () => {
        const sets = new Map<string, { volumes: Set<string>; complete: boolean }>();
        for (const s of model.snapshots(REGION)) {
          if (tagOf(s.Tags, TAG.managedBy) !== OWNER) continue;
          const key = `${tagOf(s.Tags, TAG.source)}|${tagOf(s.Tags, TAG.runId)}`;
          const set = sets.get(key) ?? { volumes: new Set<string>(), complete: true };
          set.volumes.add(s.VolumeId ?? '');
          set.complete &&= s.State === 'completed';
          sets.set(key, set);
        }
        return instances
          .filter((i) =>
            [...sets.entries()].some(
              ([key, set]) => key.startsWith(`${arnOf(i.InstanceId)}|`) && set.complete && set.volumes.size === 3,
            ),
          )
          .map((i) => i.InstanceId);
      };
      const all = instances.map((i) => i.InstanceId);

      // Act + Assess: a clean run, then two runs in which 30% of snapshots fail; after the first faulted
      // run an operator deletes the failed snapshots (so those sets only lack members).
      expect((await sandbox.run({ tier: 'daily' }, 'faulted-0')).status).toBe('SUCCEEDED');
      expect(withRestorePoint()).toEqual(all);
      model.faults.snapshotFailureRate = 0.3;
      const failedSets: string[] = [];
      for (const runId of ['faulted-1', 'faulted-2']) {
        await scheduler.sleep(2 * DAY);
        const result = await sandbox.run({ tier: 'daily' }, runId);
        failedSets.push(...(await store.listResources(runId)).filter((r) => r.status === 'FAILED').map((r) => r.arn));
        expect(result.status).toBe('FAILED');
        expect(withRestorePoint()).toEqual(all);
        if (runId === 'faulted-1') {
          for (const s of model.snapshots(REGION)) {
            if (s.State === 'error') await model.deleteSnapshot(REGION, { SnapshotId: s.SnapshotId });
          }
        }
      }
      // The faults did hit: some sets of both runs are partial.
      expect(failedSets.length).toBeGreaterThan(2);
      const decisions = (await store.getRun('faulted-2'))?.retentionDecisions ?? [];
      expect(decisions.some((d) => d.action === 'delete')).toBe(true);
    });
  });

  describe('CopiesOfEveryRunExpire', () => {
    it("copies a scheduled run's backups to its tier's copyTo regions, and expires a one-off run's copies in a region later runs never copy to", async () => {
      // Prepare: daily copies to us-west-2 (config); adhoc (manual) copies only when the input says so.
      await sandbox.reset({
        config: {
          tiers: {
            daily: { retentionDays: 1, keepLast: 1, copyTo: [{ region: 'us-west-2' }] },
            adhoc: { retentionDays: 1 },
          },
          defaultTier: 'daily',
        },
        clockStart: START,
      });
      const { model, scheduler } = sandbox;
      model.addVolume(REGION, { Size: 8, Tags: [BACKUP_TAG], snapshotSeconds: 120 });
      const ours = (region: string) => model.snapshots(region).filter((s) => tagOf(s.Tags, TAG.managedBy) === OWNER);
      const runOf = (region: string) =>
        ours(region)
          .map((s) => tagOf(s.Tags, TAG.runId))
          .sort();

      // Act + Assess: a run started as the schedule starts it copies to the tier's region.
      expect((await sandbox.run({ tier: 'daily' }, 'scheduled-1')).status).toBe('SUCCEEDED');
      expect(runOf('us-west-2')).toEqual(['scheduled-1']);

      // Two one-off runs copy to eu-central-1 (an explicit copyTo replaces the tier's: nothing more to us-west-2).
      for (const runId of ['one-off-1', 'one-off-2']) {
        const input = { tier: 'adhoc', copyTo: [{ region: 'eu-central-1' }] };
        expect((await sandbox.run(input, runId)).status).toBe('SUCCEEDED');
      }
      expect(runOf('eu-central-1')).toEqual(['one-off-1', 'one-off-2']);
      expect(runOf('us-west-2')).toEqual(['scheduled-1']);

      // Three days on, a scheduled run (which copies only to us-west-2) expires the older one-off copy in
      // eu-central-1 and keeps the newer, the newest backup of the volume there.
      await scheduler.sleep(3 * DAY);
      expect((await sandbox.run({ tier: 'daily' }, 'scheduled-2')).status).toBe('SUCCEEDED');
      expect(runOf('eu-central-1')).toEqual(['one-off-2']);
      expect(runOf('us-west-2')).toEqual(['scheduled-2']);
      const decisions = (await sandbox.store.getRun('scheduled-2'))?.retentionDecisions ?? [];
      expect(decisions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ region: 'eu-central-1', action: 'delete', ruleId: 'expired' }),
        ]),
      );
    });
  });

  describe('RetentionRemovesRestorePoints', () => {
    it("removes a deleted backup's restore point once its source backup and copies are gone, and keeps the points of kept backups", async () => {
      // Prepare: daily copies to us-west-2, adhoc does not; both expire after a day, no keep-last
      await sandbox.reset({
        config: {
          tiers: {
            daily: { retentionDays: 1, keepLast: 0, copyTo: [{ region: 'us-west-2' }] },
            adhoc: { retentionDays: 1, keepLast: 0 },
          },
          defaultTier: 'daily',
        },
        clockStart: START,
      });
      const { model, scheduler, points } = sandbox;
      const volume = model.addVolume(REGION, { Size: 8, Tags: [BACKUP_TAG], snapshotSeconds: 120 });
      const arn = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${volume.VolumeId}`;
      // This scenario's points: the table keeps earlier scenarios' runs, whose seeded volume has the same id.
      const listed = async () =>
        (await points.list(arn)).map((p) => p.runId).filter((runId) => runId.startsWith('points-'));
      const regionsOf = async (runId: string) =>
        livePlaces((await points.get(arn, runId)) ?? ({} as never)).map((p) => p.region);
      for (const [runId, tier] of [
        ['points-1', 'daily'],
        ['points-2', 'adhoc'],
      ] as const)
        expect((await sandbox.run({ tier }, runId)).status).toBe('SUCCEEDED');
      expect(await listed()).toEqual(['points-2', 'points-1']);
      expect(await regionsOf('points-1')).toEqual([REGION, 'us-west-2']);

      // Act: three days on, a run whose retention deletes points-1 and points-2 at home; points-1's copy
      // is the newest backup of the volume in us-west-2, so it is kept there.
      await scheduler.sleep(3 * DAY);
      expect((await sandbox.run({ tier: 'adhoc' }, 'points-3')).status).toBe('SUCCEEDED');

      // Assess: points-2 (all its backups deleted) is gone; points-1 stays, restorable from its copy only
      expect(await listed()).toEqual(['points-3', 'points-1']);
      expect(await regionsOf('points-1')).toEqual(['us-west-2']);
      const [original] = (await points.get(arn, 'points-1'))?.backupIds ?? [];
      const refused = await sandbox.restore({ backupId: original }, 'restore-deleted');
      expect(refused.status).toBe('FAILED');
      expect(refused.cause).toContain(`retention deleted this backup in ${REGION}; it can be restored in: us-west-2`);

      // Act: a new daily run copies again; three days on, retention deletes the old copy too
      expect((await sandbox.run({ tier: 'daily' }, 'points-4')).status).toBe('SUCCEEDED');
      await scheduler.sleep(3 * DAY);
      expect((await sandbox.run({ tier: 'adhoc' }, 'points-5')).status).toBe('SUCCEEDED');

      // Assess: points-1 and points-3 are gone with their last backups; the kept backups' points stay
      expect(await listed()).toEqual(['points-5', 'points-4']);
      expect(await regionsOf('points-4')).toEqual(['us-west-2']);
      expect(await regionsOf('points-5')).toEqual([REGION]);
      await expect(points.findById(original ?? '')).resolves.toBeUndefined();
      const ours = model.snapshots(REGION).filter((s) => tagOf(s.Tags, TAG.managedBy) === OWNER);
      expect(ours.map((s) => tagOf(s.Tags, TAG.runId))).toEqual(['points-5']);
    });
  });

  describe('RetentionInEveryRegionTouched', () => {
    it('applies retention in the region of a resource named by ARN, not only in the home region', async () => {
      // Prepare: a database in us-east-1 with an expired backup of ours and a foreign one, both long expired.
      await sandbox.reset();
      const far = 'us-east-1';
      sandbox.model.addDbInstance(far, { DBInstanceIdentifier: 'ledger', AllocatedStorage: 20, snapshotSeconds: 300 });
      const source = sandbox.model.dbInstanceArn(far, 'ledger');
      const now = sandbox.scheduler.nowMs();
      const tags = (managedBy: string) => [
        { Key: TAG.managedBy, Value: managedBy },
        { Key: TAG.tier, Value: 'daily' },
        { Key: TAG.source, Value: source },
        { Key: TAG.expiresAt, Value: new Date(now - 3 * DAY).toISOString() },
      ];
      for (const [id, managedBy] of [
        ['bp-old-ledger', OWNER],
        ['someone-elses-ledger', 'SomeoneElse'],
      ] as const) {
        sandbox.model.addExistingDbSnapshot(far, {
          DBSnapshotIdentifier: id,
          DBInstanceIdentifier: 'ledger',
          startMs: now - 10 * DAY,
          TagList: tags(managedBy),
        });
      }

      // Act
      const result = await sandbox.run({ targets: { resources: [source] } }, 'far-region');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const left = sandbox.model.dbSnapshots(far).map((s) => s.DBSnapshotIdentifier);
      expect(left).not.toContain('bp-old-ledger');
      expect(left).toContain('someone-elses-ledger');
      expect(left).toHaveLength(2); // the foreign one and this run's new backup
      const run = await sandbox.store.getRun('far-region');
      expect(run?.retentionDecisions).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'bp-old-ledger', region: far, ruleId: 'expired' })]),
      );
    });
  });
});
