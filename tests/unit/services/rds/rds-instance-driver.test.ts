/**
 * shared/services/rds/rds-instance.ts against a mocked RDS: discovery (Marker pagination, client-side tag
 * filter, an Aurora member mapped to its cluster), resolve, start (deterministic identifier, so a retry or a race
 * finds the snapshot already started), check, and the RDS errors as the SDK throws them.
 */
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import {
  checkDbSnapshot,
  rdsInstanceDriver,
  rdsSnapshotIdentifier,
} from '../../../../shared/services/rds/rds-instance';
import { TAG } from '../../../../shared/tags';
import { mockedClient, startRequest } from '../../../support/driver-harness';
import { ACCOUNT, ownedTags, ownershipValues, REGION, servePages } from '../../../support/unit-fixtures';
import { clusterRef, dbRef, rdsError } from './fixtures';

const rds = mockedClient(RDSClient);
const db = dbRef();
const ID = rdsSnapshotIdentifier('run-1', 'orders');
const dbInstance = (id: string, tags: { Key: string; Value: string }[] = [{ Key: 'backup', Value: 'true' }]) => ({
  DBInstanceIdentifier: id,
  DBInstanceArn: dbRef(id).arn,
  DBInstanceStatus: 'available',
  TagList: tags,
});
beforeEach(() => {
  // Start reads the instance (its tags and CopyTagsToSnapshot) before CreateDBSnapshot.
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('orders')] });
});
const start = (mayExist: boolean) => rdsInstanceDriver.start(startRequest(db, mayExist));

describe('rdsSnapshotIdentifier', () => {
  it('is deterministic per run and instance, and differs between runs', () => {
    expect(rdsSnapshotIdentifier('run-1', 'orders')).toBe(ID);
    expect(ID).toMatch(/^bp-run-1-[0-9a-f]{8}-orders$/);
    expect(rdsSnapshotIdentifier('run-2', 'orders')).not.toBe(ID);
    expect(rdsSnapshotIdentifier('Run_1', 'orders')).not.toBe(ID);
  });

  it.each([
    ['run-1', 'orders'],
    ['Daily_2026-01-05T02:00:00Z', 'Orders-DB'],
    ['---', 'db1'],
    ['x'.repeat(80), 'a'.repeat(63)],
    ['9f3c7a1e-4b2d-4e8a-9c1f-7d2b3a4e5f60', 'orders'],
    ['a--b__c..d', 'e'],
  ])('follows the RDS identifier rules for run %p and instance %p', (runId, dbId) => {
    // Act
    const id = rdsSnapshotIdentifier(runId, dbId);

    // Assess: starts with a letter, letters/digits/hyphens, no double or trailing hyphen, at most 255.
    expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(id).not.toMatch(/--|-$/);
    expect(id.length).toBeLessThanOrEqual(255);
  });
});

describe('rdsInstanceDriver.discover', () => {
  it('follows Marker across pages and keeps the instances carrying every wanted tag', async () => {
    // Prepare
    const pages = servePages(
      [
        { DBInstances: [dbInstance('orders'), dbInstance('untagged', [])] },
        { DBInstances: [dbInstance('billing', [{ Key: 'backup', Value: 'false' }])] },
        { DBInstances: [dbInstance('users')] },
      ],
      'Marker',
    );
    rds.on(DescribeDBInstancesCommand).callsFake(pages.fake);

    // Act
    const found = await rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found).toEqual([
      { ref: dbRef('orders'), sourceTags: [], resourceTags: [{ Key: 'backup', Value: 'true' }] },
      { ref: dbRef('users'), sourceTags: [], resourceTags: [{ Key: 'backup', Value: 'true' }] },
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1', 'page-2']);
  });

  it('carries the tags its snapshot copies from the description it made: its own when CopyTagsToSnapshot is on (no aws: or backup-pipeline: keys, room left for ours), none when off', async () => {
    // Prepare: 60 tags of its own, one claiming our managed-by key and one aws: key.
    const own = [
      { Key: 'backup', Value: 'true' },
      { Key: TAG.managedBy, Value: 'someone-else' },
      { Key: 'aws:cloudformation:stack-name', Value: 'app' },
      ...Array.from({ length: 57 }, (_, i) => ({ Key: `team-${i}`, Value: `v${i}` })),
    ];
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { ...dbInstance('orders', own), CopyTagsToSnapshot: true },
        {
          ...dbInstance('billing', [
            { Key: 'backup', Value: 'true' },
            { Key: 'team', Value: 'pay' },
          ]),
          CopyTagsToSnapshot: false,
        },
      ],
    });

    // Act
    const [orders, billing] = await rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess: 50 less our 5 and the source-region tag a copy adds.
    expect(orders?.sourceTags).toHaveLength(44);
    expect(orders?.sourceTags?.slice(0, 2)).toEqual([
      { Key: 'backup', Value: 'true' },
      { Key: 'team-0', Value: 'v0' },
    ]);
    expect(orders?.sourceTags?.some((t) => t.Key.startsWith('aws:') || t.Key.startsWith('backup-pipeline:'))).toBe(
      false,
    );
    // Its backup copies none of its tags, but all its own are recorded (an application restore selects by them).
    expect(billing).toEqual({
      ref: dbRef('billing'),
      sourceTags: [],
      resourceTags: [
        { Key: 'backup', Value: 'true' },
        { Key: 'team', Value: 'pay' },
      ],
    });
    expect(orders?.resourceTags).toHaveLength(50);
    expect(orders?.resourceTags?.some((t) => t.Key.startsWith('aws:'))).toBe(false);
  });

  it('maps a tagged Aurora member to its cluster, which is backed up in its place', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ ...dbInstance('aurora-1'), DBClusterIdentifier: 'shop' }],
    });
    await expect(rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).resolves.toEqual([
      {
        ref: dbRef('aurora-1'),
        backedUpWith: clusterRef('shop'),
        // The tags that selected the cluster: Plan adds them to the cluster's own.
        resourceTags: [{ Key: 'backup', Value: 'true' }],
      },
    ]);
  });

  it('takes the account from the instance ARN and ignores instances without one', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { ...dbInstance('other'), DBInstanceArn: `arn:aws:rds:${REGION}:444455556666:db:other` },
        { DBInstanceIdentifier: 'no-arn', TagList: [{ Key: 'backup', Value: 'true' }] },
      ],
    });
    const found = await rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);
    expect(found.map((f) => f.ref.accountId)).toEqual(['444455556666']);
  });

  it('throws ThrottledError when RDS throttles the describe', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(rdsError('Throttling'));
    await expect(rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).rejects.toThrow(ThrottledError);
  });
});

describe('rdsInstanceDriver.resolve', () => {
  it('resolves an explicit instance', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('orders')] });
    await expect(rdsInstanceDriver.resolve(db)).resolves.toEqual({
      ref: db,
      sourceTags: [],
      resourceTags: [{ Key: 'backup', Value: 'true' }],
    });
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' });
  });

  it('carries the tags its snapshot copies, from the same describe', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ ...dbInstance('orders', [{ Key: 'team', Value: 'shop' }]), CopyTagsToSnapshot: true }],
    });
    await expect(rdsInstanceDriver.resolve(db)).resolves.toEqual({
      ref: db,
      sourceTags: [{ Key: 'team', Value: 'shop' }],
      resourceTags: [{ Key: 'team', Value: 'shop' }],
    });
  });

  it('maps an explicitly named Aurora member to its cluster', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ ...dbInstance('orders'), DBClusterIdentifier: 'c' }] });
    await expect(rdsInstanceDriver.resolve(db)).resolves.toEqual({
      ref: db,
      backedUpWith: clusterRef('c'),
      resourceTags: [{ Key: 'backup', Value: 'true' }],
    });
  });

  it.each([true, false])(
    'throws ResourceNotFoundError for a missing instance (wire code present: %p)',
    async (withCode) => {
      rds
        .on(DescribeDBInstancesCommand)
        .rejects(rdsError('DBInstanceNotFound', 'DBInstance orders not found', { withCode }));
      await expect(rdsInstanceDriver.resolve(db)).rejects.toThrow(ResourceNotFoundError);
    },
  );

  it('throws ResourceNotFoundError when the describe returns nothing', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    await expect(rdsInstanceDriver.resolve(db)).rejects.toThrow(`RDS instance orders not found in ${REGION}`);
  });
});

describe('rdsInstanceDriver.start', () => {
  it('reports the allocated storage the CreateDBSnapshot response carries, with no snapshot describe', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).resolves({
      DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating', AllocatedStorage: 200 },
    });

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: [ID], reused: false, sizeGiB: 200 });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 0);
  });

  it('creates one snapshot under the deterministic identifier with the ownership tags, without a lookup first', async () => {
    // Prepare
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating' } });

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: [ID], reused: false });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
    expect(rds).toHaveReceivedCommandWith(CreateDBSnapshotCommand, {
      DBSnapshotIdentifier: ID,
      DBInstanceIdentifier: 'orders',
      Tags: [
        { Key: TAG.managedBy, Value: 'BackupPipeline' },
        { Key: TAG.runId, Value: 'run-1' },
        { Key: TAG.tier, Value: 'daily' },
        { Key: TAG.source, Value: db.arn },
        { Key: TAG.expiresAt, Value: '2026-01-12T02:00:00.000Z' },
      ],
    });
  });

  it('puts the tags Plan found on the snapshot without describing the instance, ours winning and 50 at most', async () => {
    // Prepare: what a state item could carry, even beyond what Plan writes: 60 tags, one claiming our
    // managed-by key and one aws: key.
    const fromPlan = [
      { Key: TAG.managedBy, Value: 'someone-else' },
      { Key: 'aws:cloudformation:stack-name', Value: 'app' },
      ...Array.from({ length: 58 }, (_, i) => ({ Key: `team-${i}`, Value: `v${i}` })),
    ];
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating' } });

    // Act
    const result = await rdsInstanceDriver.start({
      resource: db,
      runId: 'run-1',
      mayExist: false,
      tags: ownershipValues(db),
      sourceTags: fromPlan,
    });

    // Assess
    expect(result).toEqual({ backupIds: [ID], reused: false });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 0);
    const tags = rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags).toHaveLength(50 - 1);
    expect(tags.slice(0, 2)).toEqual([
      { Key: 'team-0', Value: 'v0' },
      { Key: 'team-1', Value: 'v1' },
    ]);
    expect(tags.slice(-5)).toEqual(ownedTags(db, 'run-1'));
    expect(tags.filter((t) => t.Key === TAG.managedBy)).toEqual([{ Key: TAG.managedBy, Value: 'BackupPipeline' }]);
    expect(tags.some((t) => t.Key?.startsWith('aws:'))).toBe(false);
  });

  it('with tags from Plan, reports an instance deleted since Plan as ResourceNotFoundError from the create', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('DBInstanceNotFound', 'DBInstance orders not found'));
    const attempt = rdsInstanceDriver.start({
      resource: db,
      runId: 'run-1',
      mayExist: false,
      tags: ownershipValues(db),
      sourceTags: [],
    });
    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundError);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 0);
  });

  it('puts only ours on the snapshot, without describing, when Plan found none to copy (CopyTagsToSnapshot off)', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating' } });
    await rdsInstanceDriver.start({
      resource: db,
      runId: 'run-1',
      mayExist: false,
      tags: ownershipValues(db),
      sourceTags: [],
    });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 0);
    const tags = rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags.map((t) => t.Key)).toEqual([TAG.managedBy, TAG.runId, TAG.tier, TAG.source, TAG.expiresAt]);
  });

  it('without tags from Plan, describes the instance and copies its own tags when its CopyTagsToSnapshot is on (RDS copies none once Tags are passed), ours winning and 50 at most', async () => {
    // Prepare: 60 tags of its own, one of them claiming our managed-by key, and an aws: one.
    const own = [
      { Key: TAG.managedBy, Value: 'someone-else' },
      { Key: 'aws:cloudformation:stack-name', Value: 'app' },
      ...Array.from({ length: 58 }, (_, i) => ({ Key: `team-${i}`, Value: `v${i}` })),
    ];
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ ...dbInstance('orders', own), CopyTagsToSnapshot: true }] });
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating' } });

    // Act
    await start(false);

    // Assess
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' });
    const tags = rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags.length).toBeLessThanOrEqual(50);
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'team-0', Value: 'v0' },
        { Key: TAG.managedBy, Value: 'BackupPipeline' },
      ]),
    );
    expect(tags.filter((t) => t.Key === TAG.managedBy)).toEqual([{ Key: TAG.managedBy, Value: 'BackupPipeline' }]);
    expect(tags.some((t) => t.Key?.startsWith('aws:'))).toBe(false);
  });

  it("without tags from Plan, copies none of the instance's tags when its CopyTagsToSnapshot is off", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ ...dbInstance('orders', [{ Key: 'team', Value: 'shop' }]), CopyTagsToSnapshot: false }],
    });
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: ID, Status: 'creating' } });
    await start(false);
    const tags = rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags.map((t) => t.Key)).toEqual([TAG.managedBy, TAG.runId, TAG.tier, TAG.source, TAG.expiresAt]);
  });

  it('on a retry reuses the snapshot found under its identifier and creates none', async () => {
    // Prepare
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [{ DBSnapshotIdentifier: ID, Status: 'creating', TagList: ownedTags(db, 'run-1') }],
    });

    // Act
    const result = await start(true);

    // Assess
    expect(result).toEqual({ backupIds: [ID], reused: true });
    expect(rds).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: ID });
    expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 0);
  });

  it.each([true, false])(
    'on a retry that finds no snapshot (DBSnapshotNotFound, wire code present: %p), creates it',
    async (withCode) => {
      rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound', 'not found', { withCode }));
      rds.on(CreateDBSnapshotCommand).resolves({});
      await expect(start(true)).resolves.toEqual({ backupIds: [ID], reused: false });
      expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 1);
    },
  );

  it('on a retry refuses to adopt a snapshot under its identifier that another run or source made', async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [{ DBSnapshotIdentifier: ID, Status: 'available', TagList: ownedTags(dbRef('billing'), 'run-1') }],
    });
    await expect(start(true)).rejects.toThrow(InvalidResourceStateError);
    await expect(start(true)).rejects.toThrow(/not created by this run/);
    expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 0);
  });

  it('adopts its own snapshot when a racing attempt created it first (DBSnapshotAlreadyExists)', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExists'));
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [{ DBSnapshotIdentifier: ID, Status: 'creating', TagList: ownedTags(db, 'run-1') }],
    });
    await expect(start(false)).resolves.toEqual({ backupIds: [ID], reused: true });
  });

  it('refuses a same-named snapshot of someone else after DBSnapshotAlreadyExists', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExists', 'exists', { withCode: false }));
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: ID, TagList: [] }] });
    await expect(start(false)).rejects.toThrow(InvalidResourceStateError);
  });

  it('turns a refusal while the instance is backing-up into LimitExceededError, to be retried later', async () => {
    // Prepare: the automated backup window (or another snapshot) holds the instance's one snapshot slot.
    rds.on(CreateDBSnapshotCommand).rejects(rdsError('InvalidDBInstanceState', 'not currently in the available state'));
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ ...dbInstance('orders'), DBInstanceStatus: 'backing-up' }] });

    // Act
    const attempt = start(false);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LimitExceededError);
    await expect(attempt).rejects.toThrow(/orders is backing-up/);
  });

  it.each([
    'modifying',
    'rebooting',
    'upgrading',
    'configuring-enhanced-monitoring',
    'configuring-log-exports',
    'maintenance',
    'starting',
    'renaming',
  ])(
    'turns a refusal while the instance is %s (a state that passes) into LimitExceededError, retried with backoff',
    async (status) => {
      rds.on(CreateDBSnapshotCommand).rejects(rdsError('InvalidDBInstanceState'));
      rds
        .on(DescribeDBInstancesCommand)
        .resolves({ DBInstances: [{ ...dbInstance('orders'), DBInstanceStatus: status }] });
      const attempt = start(false);
      await expect(attempt).rejects.toBeInstanceOf(LimitExceededError);
      await expect(attempt).rejects.toThrow(`orders is ${status}, which passes`);
    },
  );

  it.each(['stopped', 'stopping', 'deleting', 'failed', 'incompatible-parameters', 'storage-full'])(
    'keeps a refusal while the instance is %s an InvalidResourceStateError (recorded, not retried)',
    async (status) => {
      rds.on(CreateDBSnapshotCommand).rejects(rdsError('InvalidDBInstanceState'));
      rds
        .on(DescribeDBInstancesCommand)
        .resolves({ DBInstances: [{ ...dbInstance('orders'), DBInstanceStatus: status }] });
      await expect(start(false)).rejects.toBeInstanceOf(InvalidResourceStateError);
    },
  );

  it.each([
    ['InvalidDBInstanceState', InvalidResourceStateError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['DBInstanceNotFound', ResourceNotFoundError],
    ['Throttling', ThrottledError],
    ['ThrottlingException', ThrottledError],
    ['LimitExceededException', LimitExceededError],
  ])(
    'maps %s from CreateDBSnapshot to %p, as the SDK throws it with or without the wire code',
    async (code, expected) => {
      for (const withCode of [true, false]) {
        // Prepare
        rds.reset();
        rds.on(CreateDBSnapshotCommand).rejects(rdsError(code, 'DB instance is not available', { withCode }));
        rds
          .on(DescribeDBInstancesCommand)
          .resolves({ DBInstances: [{ ...dbInstance('orders'), DBInstanceStatus: 'stopped' }] });

        // Act
        const attempt = start(false);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(expected);
        await expect(attempt).rejects.toThrow(/^RDS CreateDBSnapshot orders: /);
      }
    },
  );

  it('maps a throttled lookup on a retry to ThrottledError and creates nothing', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('Throttling'));
    await expect(start(true)).rejects.toThrow(ThrottledError);
    expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 0);
  });
});

describe('rdsInstanceDriver.check', () => {
  it.each([
    [
      { Status: 'creating', PercentProgress: 42 },
      { status: 'CREATING', progress: 42 },
    ],
    [{ Status: 'creating' }, { status: 'CREATING', progress: undefined }],
    [
      { Status: 'available', PercentProgress: 100 },
      { status: 'COMPLETED', progress: 100 },
    ],
    [{ Status: 'failed' }, { status: 'FAILED', reason: `snapshot ${ID} is failed` }],
    [{ Status: 'incompatible-restore' }, { status: 'FAILED', reason: `snapshot ${ID} is incompatible-restore` }],
  ])('reads snapshot %p as %p', async (snapshot, expected) => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: ID, ...snapshot }] });
    await expect(rdsInstanceDriver.check(db, [ID])).resolves.toEqual(expected);
    expect(rds).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: ID });
  });

  it('reports FAILED when the snapshot disappeared', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound'));
    await expect(rdsInstanceDriver.check(db, [ID])).resolves.toEqual({
      status: 'FAILED',
      reason: `DB snapshot ${ID} disappeared`,
    });
  });

  it('reports FAILED when no identifier was recorded', async () => {
    await expect(rdsInstanceDriver.check(db, [])).resolves.toEqual({
      status: 'FAILED',
      reason: 'no snapshot identifier recorded',
    });
  });

  it('maps a throttled check to ThrottledError', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('Throttling'));
    await expect(rdsInstanceDriver.check(db, [ID])).rejects.toThrow(ThrottledError);
  });
});

describe('checkDbSnapshot', () => {
  it.each(['creating', 'pending', 'copying', 'modifying'])('treats %s as in progress', (Status) => {
    expect(checkDbSnapshot({ Status, PercentProgress: 5 })).toEqual({ status: 'CREATING', progress: 5 });
  });

  it('treats a snapshot without status as failed', () => {
    expect(checkDbSnapshot({})).toEqual({ status: 'FAILED', reason: 'snapshot is unknown' });
  });
});
