/**
 * shared/services/rds/aurora-cluster.ts against a mocked RDS: discovery by cluster tags (Marker
 * pagination), resolve, start with the deterministic cluster-snapshot identifier (a retry or a race
 * finds the snapshot already started, never a second one), progress-aware check, the owned-snapshot
 * store, and Aurora's errors as the SDK throws them.
 */
import {
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import { auroraClusterDriver, rdsClusterSnapshotStore } from '../../../../shared/services/rds/aurora-cluster';
import { rdsSnapshotIdentifier } from '../../../../shared/services/rds/rds-instance';
import { TAG } from '../../../../shared/tags';
import { mockedClient, startRequest } from '../../../support/driver-harness';
import { ACCOUNT, ownedTags, ownershipValues, REGION, STACK, servePages } from '../../../support/unit-fixtures';
import { clusterRef, rdsError } from './fixtures';

const rds = mockedClient(RDSClient);
const cluster = clusterRef('ledger');
const ID = rdsSnapshotIdentifier('run-1', 'ledger');
const dbCluster = (id: string, tags = [{ Key: 'backup', Value: 'true' }]) => ({
  DBClusterIdentifier: id,
  DBClusterArn: clusterRef(id).arn,
  Status: 'available',
  TagList: tags,
});
beforeEach(() => {
  // Start reads the cluster (its tags and CopyTagsToSnapshot) before CreateDBClusterSnapshot.
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('ledger')] });
});
const start = (mayExist: boolean) => auroraClusterDriver.start(startRequest(cluster, mayExist));

describe('auroraClusterDriver.discover', () => {
  it('follows Marker across pages and keeps the clusters carrying every wanted tag', async () => {
    // Prepare
    const pages = servePages(
      [{ DBClusters: [dbCluster('ledger'), dbCluster('scratch', [])] }, { DBClusters: [dbCluster('billing')] }],
      'Marker',
    );
    rds.on(DescribeDBClustersCommand).callsFake(pages.fake);

    // Act
    const found = await auroraClusterDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found).toEqual([
      { ref: clusterRef('ledger'), sourceTags: [], resourceTags: [{ Key: 'backup', Value: 'true' }] },
      { ref: clusterRef('billing'), sourceTags: [], resourceTags: [{ Key: 'backup', Value: 'true' }] },
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1']);
  });

  it('carries the tags its snapshot copies when its CopyTagsToSnapshot is on, without aws: keys', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          ...dbCluster('ledger', [
            { Key: 'backup', Value: 'true' },
            { Key: 'aws:cloudformation:stack-name', Value: 'app' },
            { Key: 'team', Value: 'finance' },
          ]),
          CopyTagsToSnapshot: true,
          StorageEncrypted: true,
        },
      ],
    });
    await expect(auroraClusterDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).resolves.toEqual([
      {
        ref: cluster,
        encrypted: true,
        sourceTags: [
          { Key: 'backup', Value: 'true' },
          { Key: 'team', Value: 'finance' },
        ],
        // All its own tags, whatever CopyTagsToSnapshot says (an application restore selects by them).
        resourceTags: [
          { Key: 'backup', Value: 'true' },
          { Key: 'team', Value: 'finance' },
        ],
      },
    ]);
  });

  it('throws ThrottledError when RDS throttles the describe', async () => {
    rds.on(DescribeDBClustersCommand).rejects(rdsError('Throttling'));
    await expect(auroraClusterDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).rejects.toThrow(ThrottledError);
  });
});

describe('auroraClusterDriver.resolve', () => {
  it('resolves an explicit cluster', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster('ledger')] });
    await expect(auroraClusterDriver.resolve(cluster)).resolves.toEqual({
      ref: cluster,
      sourceTags: [],
      resourceTags: [{ Key: 'backup', Value: 'true' }],
    });
    expect(rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, { DBClusterIdentifier: 'ledger' });
  });

  it('throws ResourceNotFoundError for a missing cluster', async () => {
    rds.on(DescribeDBClustersCommand).rejects(rdsError('DBClusterNotFoundFault'));
    await expect(auroraClusterDriver.resolve(cluster)).rejects.toThrow(ResourceNotFoundError);
  });
});

describe('auroraClusterDriver.start', () => {
  it('creates one cluster snapshot under the deterministic identifier with the ownership tags, without a lookup first', async () => {
    // Prepare
    rds.on(CreateDBClusterSnapshotCommand).resolves({});

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: [ID], reused: false });
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClusterSnapshotsCommand, 0);
    expect(rds).toHaveReceivedCommandWith(CreateDBClusterSnapshotCommand, {
      DBClusterSnapshotIdentifier: ID,
      DBClusterIdentifier: 'ledger',
      Tags: expect.arrayContaining([
        { Key: TAG.managedBy, Value: STACK },
        { Key: TAG.source, Value: cluster.arn },
        { Key: TAG.runId, Value: 'run-1' },
      ]),
    });
  });

  it('puts the tags Plan found on the snapshot without describing the cluster, ours winning and 50 at most', async () => {
    // Prepare: more than fit, one claiming our managed-by key.
    const fromPlan = [
      { Key: TAG.managedBy, Value: 'someone-else' },
      ...Array.from({ length: 58 }, (_, i) => ({ Key: `team-${i}`, Value: `v${i}` })),
    ];
    rds.on(CreateDBClusterSnapshotCommand).resolves({});

    // Act
    await auroraClusterDriver.start({
      resource: cluster,
      runId: 'run-1',
      mayExist: false,
      tags: ownershipValues(cluster),
      sourceTags: fromPlan,
    });

    // Assess
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
    const tags = rds.commandCalls(CreateDBClusterSnapshotCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags).toHaveLength(49);
    expect(tags[0]).toEqual({ Key: 'team-0', Value: 'v0' });
    expect(tags.slice(-5)).toEqual(ownedTags(cluster));
    expect(tags.filter((t) => t.Key === TAG.managedBy)).toEqual([{ Key: TAG.managedBy, Value: STACK }]);
  });

  it('without tags from Plan (a cluster selected through a member), describes the cluster and copies its own tags when its CopyTagsToSnapshot is on', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ ...dbCluster('ledger', [{ Key: 'team', Value: 'finance' }]), CopyTagsToSnapshot: true }],
    });
    rds.on(CreateDBClusterSnapshotCommand).resolves({});
    await start(false);
    expect(rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, { DBClusterIdentifier: 'ledger' });
    expect(rds).toHaveReceivedCommandWith(CreateDBClusterSnapshotCommand, {
      Tags: [{ Key: 'team', Value: 'finance' }, ...ownedTags(cluster)],
    });
  });

  it("without tags from Plan, copies none of the cluster's tags when its CopyTagsToSnapshot is off", async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [dbCluster('ledger', [{ Key: 'team', Value: 'finance' }])] });
    rds.on(CreateDBClusterSnapshotCommand).resolves({});
    await start(false);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 1);
    expect(rds).toHaveReceivedCommandWith(CreateDBClusterSnapshotCommand, { Tags: ownedTags(cluster) });
  });

  it('on a retry reuses the cluster snapshot found under its identifier and creates none', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, Status: 'creating', TagList: ownedTags(cluster) }],
    });
    await expect(start(true)).resolves.toEqual({ backupIds: [ID], reused: true });
    expect(rds).toHaveReceivedCommandTimes(CreateDBClusterSnapshotCommand, 0);
  });

  it('on a retry refuses to adopt a same-named snapshot another run made', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, TagList: ownedTags(cluster, 'run-0') }],
    });
    await expect(start(true)).rejects.toThrow(InvalidResourceStateError);
    expect(rds).toHaveReceivedCommandTimes(CreateDBClusterSnapshotCommand, 0);
  });

  it('on a retry creates the snapshot when the lookup finds none', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(rdsError('DBClusterSnapshotNotFoundFault'));
    rds.on(CreateDBClusterSnapshotCommand).resolves({});
    await expect(start(true)).resolves.toEqual({ backupIds: [ID], reused: false });
  });

  it('adopts its own snapshot when a racing attempt created it first', async () => {
    rds.on(CreateDBClusterSnapshotCommand).rejects(rdsError('DBClusterSnapshotAlreadyExistsFault'));
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, TagList: ownedTags(cluster) }],
    });
    await expect(start(false)).resolves.toEqual({ backupIds: [ID], reused: true });
  });

  it.each([
    ['InvalidDBClusterStateFault', InvalidResourceStateError],
    ['DBClusterNotFoundFault', ResourceNotFoundError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['Throttling', ThrottledError],
  ])('maps %s from CreateDBClusterSnapshot to %p', async (code, expected) => {
    rds.on(CreateDBClusterSnapshotCommand).rejects(rdsError(code));
    rds
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [{ DBClusterIdentifier: cluster.id, Status: 'stopped' }] });
    await expect(start(false)).rejects.toThrow(expected as unknown as new () => Error);
  });

  it.each(['modifying', 'backing-up', 'upgrading', 'maintenance', 'resetting-master-credentials'])(
    'turns InvalidDBClusterStateFault while the cluster is %s (a state that passes) into LimitExceededError',
    async (status) => {
      rds.on(CreateDBClusterSnapshotCommand).rejects(rdsError('InvalidDBClusterStateFault'));
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: cluster.id, Status: status }] });
      const attempt = start(false);
      await expect(attempt).rejects.toBeInstanceOf(LimitExceededError);
      await expect(attempt).rejects.toThrow(`is ${status}, which passes`);
    },
  );

  it.each(['stopped', 'deleting', 'failed', 'inaccessible-encryption-credentials'])(
    'keeps InvalidDBClusterStateFault while the cluster is %s an InvalidResourceStateError (recorded)',
    async (status) => {
      rds.on(CreateDBClusterSnapshotCommand).rejects(rdsError('InvalidDBClusterStateFault'));
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: cluster.id, Status: status }] });
      await expect(start(false)).rejects.toBeInstanceOf(InvalidResourceStateError);
    },
  );
});

describe('auroraClusterDriver.check', () => {
  it.each([
    [
      { Status: 'creating', PercentProgress: 42 },
      { status: 'CREATING', progress: 42 },
    ],
    [
      { Status: 'available', PercentProgress: 100 },
      { status: 'COMPLETED', progress: 100 },
    ],
    [{ Status: 'failed' }, { status: 'FAILED', reason: `snapshot ${ID} is failed` }],
  ])('reads %p as %p', async (snapshot, expected) => {
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, ...snapshot }] });
    await expect(auroraClusterDriver.check(cluster, [ID])).resolves.toEqual(expected);
  });

  it('reports FAILED when the cluster snapshot disappeared', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(rdsError('DBClusterSnapshotNotFoundFault'));
    await expect(auroraClusterDriver.check(cluster, [ID])).resolves.toEqual({
      status: 'FAILED',
      reason: `DB cluster snapshot ${ID} disappeared`,
    });
  });
});

describe('rdsClusterSnapshotStore', () => {
  it('lists only manual cluster snapshots tagged managed-by this stack, with their retention facts', async () => {
    // Prepare
    const created = new Date('2026-01-01T02:00:00Z');
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        {
          DBClusterSnapshotIdentifier: ID,
          DBClusterIdentifier: 'ledger',
          Status: 'available',
          SnapshotCreateTime: created,
          TagList: ownedTags(cluster),
        },
        {
          DBClusterSnapshotIdentifier: 'foreign',
          Status: 'available',
          TagList: ownedTags(cluster, 'run-1', { managedBy: 'Other' }),
        },
        { DBClusterSnapshotIdentifier: 'untagged', Status: 'available' },
      ],
    });

    // Act
    const owned = await rdsClusterSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(rds).toHaveReceivedCommandWith(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'manual' });
    expect(owned).toEqual([
      {
        kind: 'rds-cluster-snapshot',
        id: ID,
        region: REGION,
        source: cluster.arn,
        tier: 'daily',
        runId: 'run-1',
        managedBy: STACK,
        createdAt: created,
        expiresAt: new Date('2026-01-12T02:00:00.000Z'),
        complete: true,
        heldBy: [],
      },
    ]);
  });

  it('deletes by identifier in the backup region', async () => {
    rds.on(DeleteDBClusterSnapshotCommand).resolves({});
    const [backup] = [
      {
        kind: 'rds-cluster-snapshot' as const,
        id: 'ours',
        region: 'us-west-2',
        source: cluster.arn,
        tier: 'daily',
        runId: 'run-1',
        managedBy: STACK,
        createdAt: new Date(0),
        expiresAt: new Date(0),
        complete: true,
        heldBy: [],
      },
    ];
    await rdsClusterSnapshotStore.delete(backup);
    expect(rds).toHaveReceivedCommandWith(DeleteDBClusterSnapshotCommand, { DBClusterSnapshotIdentifier: 'ours' });
    expect(await rds.call(0).thisValue.config.region()).toBe('us-west-2');
  });
});
