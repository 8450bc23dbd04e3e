/**
 * Apply retention (shared/workflow/retention/retention.ts, the single pass, and the fanned-out tasks in functions/:
 * list-retention-units, apply-retention, summarize-retention): list what this stack
 * owns, decide, delete the expired (nothing in a dry run), record every decision on the run; a failed
 * delete does not stop the others, and the task then fails with RetentionIncompleteError.
 */
import {
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import {
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand as DescribeCacheSnapshotsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/apply-retention';
import { handler as listUnits } from '../../../functions/list-retention-units';
import { handler as summarize } from '../../../functions/summarize-retention';
import { useClock } from '../../../shared/clock';
import { ThrottledError } from '../../../shared/errors';
import type { BackupStore, OwnedBackup } from '../../../shared/services/driver';
import { ebsSnapshotStore } from '../../../shared/services/ec2/ebs-snapshots';
import { applyRetention, RetentionIncompleteError, regionsTouched } from '../../../shared/workflow/retention/retention';
import type { PassResult, RetentionUnit } from '../../../shared/workflow/retention/retention-units';
import { useUnitDynalite } from '../../support/unit-dynalite';
import {
  caught,
  lambdaContext,
  namedError,
  ownedTags,
  REGION,
  resourceRecord,
  runRecord,
  STACK,
  TIERS,
  unitHandlerEnv,
} from '../../support/unit-fixtures';
import { dailyEbsBackup, ec2Error, instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef, rdsError } from '../services/rds/fixtures';

const db = useUnitDynalite();
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
/** No cache groups or cache snapshots in these estates: ElastiCache answers empty. */
const elasticache = mockClient(ElastiCacheClient);
const NOW = new Date('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
let restoreClock: () => void;

beforeAll(() => {
  Object.assign(process.env, unitHandlerEnv(db().tableName));
  restoreClock = useClock({ now: () => NOW });
});
afterAll(() => restoreClock());
beforeEach(() => {
  ec2.reset();
  rds.reset();
  elasticache.reset();
  elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
  elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [] });
  elasticache.on(DescribeCacheSnapshotsCommand).resolves({ Snapshots: [] });
  // Estates without Aurora unless a test says otherwise.
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
});

const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A finished daily EBS backup of one volume, `ageDays` old, expiring 7 days after it was made. */
const backup = (id: string, ageDays: number, extra: Partial<OwnedBackup> = {}): OwnedBackup =>
  dailyEbsBackup(NOW, id, ageDays, extra);

/** An in-memory backup store: the driver boundary, so the domain logic runs without AWS. */
function memoryStore(backups: OwnedBackup[], failing: Record<string, Error> = {}) {
  const deleted: string[] = [];
  const listedIn: string[] = [];
  const kind = backups[0]?.kind ?? 'ebs-snapshot';
  const store: BackupStore = {
    kind,
    // The EBS store's own rule for multi-snapshot sets (an instance's volumes), as retention gets it.
    ...(kind === ebsSnapshotStore.kind && ebsSnapshotStore.runSets ? { runSets: ebsSnapshotStore.runSets } : {}),
    async listOwned(region) {
      listedIn.push(region);
      return backups.filter((b) => b.region === region).map((b) => ({ ...b, heldBy: [...b.heldBy] }));
    },
    async delete(b) {
      const error = failing[b.id];
      if (error) throw error;
      deleted.push(b.id);
    },
  };
  return { store, deleted, listedIn };
}

let n = 0;
async function run(): Promise<string> {
  const runId = `run-${++n}`;
  await db().store().createRun(runRecord(runId));
  return runId;
}

const retention = (runId: string, stores: BackupStore[], dryRun = false, regions = [REGION]) =>
  applyRetention({
    runId,
    dryRun,
    stackName: STACK,
    tiers: TIERS,
    regions,
    stores,
    store: db().store(),
    now: NOW,
    log: silent,
  });

const ESTATE = () => [
  backup('newest', 1),
  backup('expired-1', 10),
  backup('expired-2', 20),
  backup('fresh', 3),
  backup('running', 30, { complete: false }),
  backup('ami-held', 40, { heldBy: ['ami-1'] }),
  backup('no-expiry', 50, { expiresAt: undefined }),
  backup('foreign', 60, { managedBy: 'Other' }),
];

describe('applyRetention', () => {
  it('deletes only the expired backups and records every decision with its rule', async () => {
    // Prepare
    const runId = await run();
    const ebs = memoryStore(ESTATE());

    // Act
    const result = await retention(runId, [ebs.store]);

    // Assess
    expect(ebs.deleted).toEqual(['expired-1', 'expired-2']);
    expect(result).toEqual({
      dryRun: false,
      deleted: 2,
      kept: 5,
      failedDeletes: 0,
      deletedIds: ['expired-1', 'expired-2'],
    });
    const record = await db().store().getRun(runId);
    expect(record?.retention).toEqual(result);
    expect(record?.retentionDecisions).toEqual(
      expect.arrayContaining([
        {
          id: 'expired-1',
          kind: 'ebs-snapshot',
          region: REGION,
          action: 'delete',
          rule: `expired at ${ago(3).toISOString()}`,
          ruleId: 'expired',
          tier: 'daily',
          source: volumeRef().arn,
          runId: 'run-expired-1',
          createdAt: ago(10).toISOString(),
        },
        expect.objectContaining({ id: 'ami-held', action: 'keep', ruleId: 'held-by-ami', rule: 'used by AMI ami-1' }),
        expect.objectContaining({ id: 'running', action: 'keep', ruleId: 'in-progress' }),
        expect.objectContaining({ id: 'newest', action: 'keep', ruleId: 'not-expired' }),
      ]),
    );
    expect(record?.retentionDecisions?.map((d) => d.id)).not.toContain('foreign');
  });

  it('records the deletes first, so a capped record of a large estate still lists every backup it deletes', async () => {
    // Prepare: 600 backups of one source, the 550 oldest expired; the record keeps 500 decisions.
    const runId = await run();
    const many = Array.from({ length: 600 }, (_, i) => backup(`b-${i}`, i < 50 ? 0.1 : 8 + i / 100));
    const ebs = memoryStore(many);

    // Act
    await retention(runId, [ebs.store], true);

    // Assess
    const record = await db().store().getRun(runId);
    const recorded = record?.retentionDecisions ?? [];
    expect(recorded).toHaveLength(500);
    expect(recorded.every((d) => d.action === 'delete')).toBe(true);
    expect(record?.retention).toMatchObject({ deleted: 550, kept: 50 });
  });

  it('in a dry run deletes nothing and records what it would delete', async () => {
    // Prepare
    const runId = await run();
    const ebs = memoryStore(ESTATE());

    // Act
    const result = await retention(runId, [ebs.store], true);

    // Assess
    expect(ebs.deleted).toEqual([]);
    expect(result).toEqual({
      dryRun: true,
      deleted: 2,
      kept: 5,
      failedDeletes: 0,
      deletedIds: ['expired-1', 'expired-2'],
    });
    expect((await db().store().getRun(runId))?.retention).toMatchObject({ dryRun: true, deleted: 2 });
  });

  it('continues after a failed delete, records it, then throws RetentionIncompleteError naming it', async () => {
    // Prepare
    const runId = await run();
    const ebs = memoryStore([backup('newest', 1), backup('a', 10), backup('b', 20), backup('c', 30)], {
      b: namedError('InvalidSnapshot.InUse', 'snapshot b is in use by ami-9'),
    });

    // Act
    const error = await caught(retention(runId, [ebs.store]));

    // Assess
    expect(ebs.deleted).toEqual(['a', 'c']);
    expect(error).toBeInstanceOf(RetentionIncompleteError);
    expect(error.name).toBe('RetentionIncompleteError');
    expect(error.message).toBe(
      '1 expired backup(s) could not be deleted: b (InvalidSnapshot.InUse: snapshot b is in use by ami-9)',
    );
    expect((await db().store().getRun(runId))?.retention).toEqual({
      dryRun: false,
      deleted: 2,
      kept: 1,
      failedDeletes: 1,
      deletedIds: ['a', 'c'],
    });
  });

  it('lists every store in every region', async () => {
    // Prepare
    const runId = await run();
    const ebs = memoryStore([backup('eu-new', 1), backup('eu-old', 10), backup('us-old', 10, { region: 'us-west-2' })]);
    const rdsStore = memoryStore([
      backup('db-new', 1, { kind: 'rds-snapshot', source: dbRef().arn }),
      backup('db-old', 10, { kind: 'rds-snapshot', source: dbRef().arn }),
    ]);

    // Act
    await retention(runId, [ebs.store, rdsStore.store], false, [REGION, 'us-west-2']);

    // Assess
    expect(ebs.listedIn).toEqual([REGION, 'us-west-2']);
    expect(rdsStore.listedIn).toEqual([REGION, 'us-west-2']);
    expect(ebs.deleted).toEqual(['eu-old']);
    expect(rdsStore.deleted).toEqual(['db-old']);
  });

  it('returns at most 50 ids but records up to 500 on the run', async () => {
    // Prepare
    const runId = await run();
    const many = Array.from({ length: 120 }, (_, i) => backup(`old-${i}`, 10 + i));
    const ebs = memoryStore([backup('newest', 1), ...many]);

    // Act
    const result = await retention(runId, [ebs.store], true);

    // Assess
    expect(result.deleted).toBe(120);
    expect(result.deletedIds).toHaveLength(50);
    expect((await db().store().getRun(runId))?.retention?.deletedIds).toHaveLength(120);
  });

  it('lets a throttled listing through as ThrottledError, deleting nothing', async () => {
    const runId = await run();
    const throttled: BackupStore = {
      kind: 'ebs-snapshot',
      listOwned: () => Promise.reject(new ThrottledError('EC2 DescribeSnapshots (owned): RequestLimitExceeded')),
      delete: () => Promise.reject(new Error('must not delete')),
    };
    await expect(retention(runId, [throttled])).rejects.toThrow(ThrottledError);
  });
});

describe('applyRetention per backup set', () => {
  const instance = instanceRef();
  /** Snapshot `n` of the instance made by run `runId`, `ageDays` old, in `region`. */
  const member = (runId: string, n: number, ageDays: number, region = REGION) =>
    backup(`snap-${runId}-${n}`, ageDays, { source: instance.arn, runId, region });

  it("deletes a 3-volume instance's expired runs whole and keeps its newest complete set whole", async () => {
    // Prepare: three expired runs of a 3-volume instance.
    const runId = await run();
    const ebs = memoryStore(['a', 'b', 'c'].flatMap((r, i) => [1, 2, 3].map((n) => member(`r-${r}`, n, 10 + 10 * i))));

    // Act
    const result = await retention(runId, [ebs.store]);

    // Assess
    expect(result.kept).toBe(3);
    expect(ebs.deleted.sort()).toEqual(['b', 'c'].flatMap((r) => [1, 2, 3].map((n) => `snap-r-${r}-${n}`)));
  });

  it("treats a set missing a snapshot its run's record names as partial: the older complete set stays", async () => {
    // Prepare: run r-new made 3 snapshots (its record says so) but one is gone; r-old is complete.
    const runId = await run();
    const newest = ['snap-r-new-1', 'snap-r-new-2', 'snap-r-new-3'];
    await db()
      .store()
      .addResource(resourceRecord('r-new', instance, { status: 'FAILED', backupIds: newest }));
    await db()
      .store()
      .addResource(
        resourceRecord('r-old', instance, { status: 'COMPLETED', backupIds: ['snap-r-old-1', 'snap-r-old-2'] }),
      );
    const ebs = memoryStore([
      member('r-new', 1, 10),
      member('r-new', 2, 10),
      member('r-old', 1, 20),
      member('r-old', 2, 20),
    ]);

    // Act
    await retention(runId, [ebs.store]);

    // Assess: the partial set goes whole, the complete one is the restore point the instance keeps.
    expect(ebs.deleted.sort()).toEqual(['snap-r-new-1', 'snap-r-new-2']);
    const decisions = (await db().store().getRun(runId))?.retentionDecisions ?? [];
    expect(decisions.find((d) => d.id === 'snap-r-old-1')?.ruleId).toBe('newest-of-source');
    expect(decisions.find((d) => d.id === 'snap-r-new-1')?.rule).toMatch(/incomplete set .*snap-r-new-3/);
  });

  it('treats a copy set that stopped part-way as partial in its region', async () => {
    // Prepare: c-new copied 1 of its 2 snapshots to us-west-2; c-old copied both. All expired.
    const runId = await run();
    const copy = (ids: string[]) => ({ region: 'us-west-2', ids, status: 'FAILED' as const, reason: null });
    await db()
      .store()
      .addResource(
        resourceRecord('c-new', instance, { backupIds: ['snap-a1', 'snap-a2'], copies: [copy(['snap-c-new-1'])] }),
      );
    await db()
      .store()
      .addResource(
        resourceRecord('c-old', instance, {
          backupIds: ['snap-b1', 'snap-b2'],
          copies: [copy(['snap-c-old-1', 'snap-c-old-2'])],
        }),
      );
    const ebs = memoryStore([
      member('c-new', 1, 10, 'us-west-2'),
      member('c-old', 1, 20, 'us-west-2'),
      member('c-old', 2, 20, 'us-west-2'),
    ]);

    // Act
    await retention(runId, [ebs.store], false, ['us-west-2']);

    // Assess
    expect(ebs.deleted).toEqual(['snap-c-new-1']);
  });
});

describe('regionsTouched', () => {
  it('gives the home region first, then each other region of the run once, in name order', () => {
    const at = (region: string) => ({ region });
    expect(regionsTouched('eu-west-1', [at('us-east-1'), at('eu-west-1'), at('ap-south-1'), at('us-east-1')])).toEqual([
      'eu-west-1',
      'ap-south-1',
      'us-east-1',
    ]);
  });

  it('keeps the home region for a run with no resources, so a dry run there still shows its decisions', () => {
    expect(regionsTouched('eu-west-1', [])).toEqual(['eu-west-1']);
  });
});

/** The retention tasks as the state machine runs them: plan the units, pass each until done, summarize. */
async function retentionTasks(runId: string, dryRun: boolean) {
  const plan = (await listUnits({ runId }, lambdaContext)) as { decidedAt: string; units: RetentionUnit[] };
  for (const unit of plan.units) {
    let pass: PassResult = { done: false, waitSeconds: 0, cursor: { store: 0, page: 0, offset: 0, pass: 0 } };
    while (!pass.done) {
      pass = await handler({ runId, dryRun, decidedAt: plan.decidedAt, unit, cursor: pass.cursor }, lambdaContext);
    }
  }
  return summarize({ runId, dryRun, units: plan.units }, lambdaContext);
}

describe('retention handlers (Plan retention, Apply retention pass, Summarize retention)', () => {
  const volume = volumeRef();
  const OWNER = `${STACK}@${REGION}`;
  const snapshot = (id: string, ageDays: number, extra: Partial<Snapshot> = {}): Snapshot => ({
    SnapshotId: id,
    State: 'completed',
    StartTime: ago(ageDays),
    Description: `backup-pipeline daily run-${id} ${volume.id}`,
    // managed-by as this stack writes it: the stack name at its home region.
    Tags: ownedTags(volume, `run-${id}`, { expiresAt: ago(ageDays - 7).toISOString(), managedBy: OWNER }),
    ...extra,
  });

  function estate() {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        snapshot('snap-newest', 1),
        snapshot('snap-expired', 10),
        snapshot('snap-ami', 20),
        snapshot('snap-running', 30, { State: 'pending' }),
        snapshot('snap-foreign', 40, {
          Tags: ownedTags(volume, 'r', { managedBy: 'Other', expiresAt: ago(33).toISOString() }),
        }),
        snapshot('snap-untagged', 50, { Tags: [] }),
      ],
    });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [{ ImageId: 'ami-1', BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-ami' } }] }],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: 'bp-new',
          Status: 'available',
          SnapshotCreateTime: ago(1),
          TagList: ownedTags(dbRef(), 'r1', { expiresAt: ago(-6).toISOString() }),
        },
        {
          DBSnapshotIdentifier: 'bp-old',
          Status: 'available',
          SnapshotCreateTime: ago(10),
          // Made before managed-by was qualified: the bare stack name, still ours in the home region.
          TagList: ownedTags(dbRef(), 'r0', { expiresAt: ago(3).toISOString() }),
        },
        { DBSnapshotIdentifier: 'manual-by-a-human', Status: 'available', SnapshotCreateTime: ago(900), TagList: [] },
      ],
    });
    rds.on(DeleteDBSnapshotCommand).resolves({});
  }

  it('deletes exactly the expired snapshots of this stack, never a foreign, untagged, running or AMI-held one', async () => {
    // Prepare
    estate();
    const runId = await run();

    // Act
    const out = await retentionTasks(runId, false);

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-expired' });
    expect(rds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
    expect(rds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'bp-old' });
    expect(out).toEqual({
      dryRun: false,
      deleted: 2,
      kept: 4,
      failedDeletes: 0,
      deletedIds: ['snap-expired', 'bp-old'],
    });
  });

  it('in a dry run deletes nothing', async () => {
    estate();
    const runId = await run();

    const out = await retentionTasks(runId, true);

    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
    expect(out).toMatchObject({ dryRun: true, deleted: 2, deletedIds: ['snap-expired', 'bp-old'] });
  });

  it('deletes the rest when one delete fails, then throws RetentionIncompleteError', async () => {
    // Prepare
    estate();
    ec2.on(DeleteSnapshotCommand).rejects(ec2Error('InvalidSnapshot.InUse'));
    const runId = await run();

    // Act
    const error = await caught(retentionTasks(runId, false));

    // Assess
    expect(error.name).toBe('RetentionIncompleteError');
    expect(error.message).toContain('snap-expired (InvalidResourceStateError: EC2 DeleteSnapshot snap-expired');
    expect(rds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'bp-old' });
    expect((await db().store().getRun(runId))?.retention).toMatchObject({ deleted: 1, failedDeletes: 1 });
  });

  it('throws ThrottledError when listing is throttled, for the ASL Retry', async () => {
    estate();
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('Throttling'));
    const runId = await run();
    const error = await caught(retentionTasks(runId, false));
    expect(error.name).toBe('ThrottledError');
  });

  it("lists the home region and every region the run's resources are in", async () => {
    // Prepare: the run backed up a database in us-east-1 by its ARN; each region answers the same estate.
    estate();
    const runId = await run();
    const remote = { ...dbRef('far'), region: 'us-east-1', arn: 'arn:aws:rds:us-east-1:111122223333:db:far' };
    await db().store().addResource(resourceRecord(runId, remote));

    // Act
    await retentionTasks(runId, true);

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 2);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 2);
    const regions = (await db().store().getRun(runId))?.retentionDecisions?.map((d) => d.region);
    expect(new Set(regions)).toEqual(new Set([REGION, 'us-east-1']));
  });

  it('takes the bare stack name for this stack only in its home region, never in another', async () => {
    // Prepare: the same estate answers in us-east-1, where a same-named stack of another home may live.
    estate();
    const runId = await run();
    const remote = { ...dbRef('far'), region: 'us-east-1', arn: 'arn:aws:rds:us-east-1:111122223333:db:far' };
    await db().store().addResource(resourceRecord(runId, remote));

    // Act
    await retentionTasks(runId, true);

    // Assess: bp-old (bare name) is decided at home only; the qualified EBS snapshots in both regions.
    const decisions = (await db().store().getRun(runId))?.retentionDecisions ?? [];
    expect(decisions.filter((d) => d.id === 'bp-old').map((d) => d.region)).toEqual([REGION]);
    expect(
      decisions
        .filter((d) => d.id === 'snap-expired')
        .map((d) => d.region)
        .sort(),
    ).toEqual([REGION, 'us-east-1']);
  });

  it('rejects a pass event without dryRun', async () => {
    await expect(handler({ runId: 'r' }, lambdaContext)).rejects.toThrow(/^apply-retention: invalid event: dryRun/);
  });
});
