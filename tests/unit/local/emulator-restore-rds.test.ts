/**
 * The emulator's RDS restores, through the real RDSClient: DB subnet groups (every region's `default`,
 * and what fleet databases name) shown on instances and clusters with their security groups,
 * RestoreDBInstanceFromDBSnapshot `creating` → `available` on the model's clock, DeleteDBInstance
 * `deleting` → gone, the Aurora path (RestoreDBClusterFromSnapshot, CreateDBInstance as its writer,
 * DeleteDBCluster refused while a member lives), and each refusal with RDS's fault.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const emu = useEmulator((config) => new RDSClient(config));
const { model, advance } = emu;
const REGION = EMULATOR_REGION;
const failure = (call: Promise<unknown>) => serviceFailure(call, RDSServiceException, 'an RDS');

const hour = 3_600_000;
const restoreTags = [
  { Key: 'Name', Value: 'orders-restored' },
  { Key: 'backup-pipeline:restore-id', Value: 'restore-1' },
];

/** A customer managed key of the region, made once: RDS refuses a key missing there, disabled or not the caller's. */
let dataKey: string | undefined;
const dataKeyArn = () => {
  dataKey ??= model.addKmsKey(REGION, { alias: 'rds-data' }).Arn;
  return dataKey;
};

/** A fleet instance with an available snapshot of it (encrypted under the region's customer key). */
function instanceWithSnapshot(id: string, extra: { status?: 'creating' } = {}) {
  model.addDbInstance(REGION, { DBInstanceIdentifier: id, AllocatedStorage: 200, DBInstanceClass: 'db.m6g.large' });
  return model.addExistingDbSnapshot(REGION, {
    DBSnapshotIdentifier: `${id}-snap`,
    DBInstanceIdentifier: id,
    AllocatedStorage: 200,
    KmsKeyId: dataKeyArn(),
    startMs: emu.now().getTime() - hour,
    ...(extra.status ? { durationMs: 2 * hour } : {}),
  });
}

describe('RDS DescribeDBSubnetGroups and the placement of fleet databases', () => {
  it('lists the region default group and the one a fleet instance names, shown on the instance', async () => {
    // Prepare
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'billing', DBSubnetGroupName: 'private-db' });

    // Act
    const groups = await emu.client().send(new DescribeDBSubnetGroupsCommand({}));
    const billing = await emu.client().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing' }));

    // Assess
    expect(groups.DBSubnetGroups?.map((g) => g.DBSubnetGroupName)).toEqual(['default', 'private-db']);
    expect(groups.DBSubnetGroups?.[0]?.Subnets).toHaveLength(3);
    expect(billing.DBInstances?.[0]?.DBSubnetGroup?.DBSubnetGroupName).toBe('private-db');
    expect(billing.DBInstances?.[0]?.VpcSecurityGroups?.[0]?.VpcSecurityGroupId).toMatch(/^sg-[0-9a-f]{17}$/);
  });

  it('answers an unknown group with DBSubnetGroupNotFoundFault', async () => {
    // Act
    const error = await failure(emu.client().send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'nope' })));

    // Assess
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['DBSubnetGroupNotFoundFault', 404]);
  });
});

describe('RDS RestoreDBInstanceFromDBSnapshot and DeleteDBInstance', () => {
  it('restores a creating instance of the snapshot engine, storage and key, available after simulated time', async () => {
    // Prepare
    const snapshot = instanceWithSnapshot('orders');

    // Act
    const restored = await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'orders-restored',
        DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
        DBInstanceClass: 'db.r7g.large',
        DBSubnetGroupName: 'default',
        VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
        AvailabilityZone: 'eu-west-1b',
        PubliclyAccessible: false,
        Tags: restoreTags,
      }),
    );
    const describe = () =>
      emu.client().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-restored' }));
    const first = await describe();
    advance(2 * 3600);
    const later = await describe();

    // Assess
    expect(restored.DBInstance?.DBInstanceStatus).toBe('creating');
    expect(first.DBInstances?.[0]).toMatchObject({
      DBInstanceStatus: 'creating',
      Engine: 'postgres',
      DBInstanceClass: 'db.r7g.large',
      AllocatedStorage: 200,
      StorageEncrypted: true,
      KmsKeyId: snapshot.KmsKeyId,
      AvailabilityZone: 'eu-west-1b',
      MultiAZ: false,
      PubliclyAccessible: false,
      DBSubnetGroup: { DBSubnetGroupName: 'default' },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0a1b2c3d4e5f60718', Status: 'active' }],
      TagList: restoreTags,
    });
    expect(later.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
  });

  it('deletes an instance through deleting to gone', async () => {
    // Prepare
    const snapshot = instanceWithSnapshot('customers');
    await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'customers-restored',
        DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
        MultiAZ: true,
      }),
    );
    advance(2 * 3600);

    // Act
    const deleted = await emu
      .client()
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'customers-restored', SkipFinalSnapshot: true }));
    advance(600);
    const gone = await failure(
      emu.client().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'customers-restored' })),
    );

    // Assess
    expect(deleted.DBInstance).toMatchObject({
      DBInstanceStatus: 'deleting',
      MultiAZ: true,
      DBInstanceClass: 'db.m6g.large',
    });
    expect(gone.name).toBe('DBInstanceNotFoundFault');
  });

  it('refuses a taken identifier, a missing or unfinished snapshot and an unknown subnet group', async () => {
    // Prepare
    const snapshot = instanceWithSnapshot('ledger-db');
    const creating = instanceWithSnapshot('analytics', { status: 'creating' });
    const restore = (DBInstanceIdentifier: string, DBSnapshotIdentifier: string, DBSubnetGroupName?: string) =>
      failure(
        emu.client().send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier,
            DBSnapshotIdentifier,
            DBSubnetGroupName,
          }),
        ),
      );

    // Act
    const errors = await Promise.all([
      restore('ledger-db', snapshot.DBSnapshotIdentifier),
      restore('fresh-1', 'no-such-snapshot'),
      restore('fresh-2', creating.DBSnapshotIdentifier),
      restore('fresh-3', snapshot.DBSnapshotIdentifier, 'no-such-group'),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual([
      'DBInstanceAlreadyExistsFault',
      'DBSnapshotNotFoundFault',
      'InvalidDBSnapshotStateFault',
      'DBSubnetGroupNotFoundFault',
    ]);
  });

  it('refuses to delete an instance still creating (InvalidDBInstanceState), and deletes it once available', async () => {
    // Prepare
    const snapshot = instanceWithSnapshot('billing');
    await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'billing-restored',
        DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
      }),
    );
    const remove = () =>
      emu
        .client()
        .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'billing-restored', SkipFinalSnapshot: true }));

    // Act
    const creating = await failure(remove());
    advance(2 * 3600);
    const deleted = await remove();

    // Assess
    expect(creating.name).toBe('InvalidDBInstanceStateFault');
    expect(deleted.DBInstance?.DBInstanceStatus).toBe('deleting');
  });

  it('refuses to delete without SkipFinalSnapshot or a final snapshot, and an unknown instance', async () => {
    // Prepare
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'keep-me' });

    // Act
    const noFinal = await failure(emu.client().send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'keep-me' })));
    const unknown = await failure(
      emu.client().send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'nobody', SkipFinalSnapshot: true })),
    );

    // Assess
    expect([noFinal.name, unknown.name]).toEqual(['InvalidParameterCombination', 'DBInstanceNotFoundFault']);
  });
});

describe('Aurora RestoreDBClusterFromSnapshot, CreateDBInstance and DeleteDBCluster', () => {
  function clusterSnapshot() {
    model.addDbCluster(REGION, { DBClusterIdentifier: 'payments', volumeGiB: 150 });
    return model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'payments-snap',
      DBClusterIdentifier: 'payments',
      volumeGiB: 150,
      startMs: emu.now().getTime() - hour,
    });
  }

  it('restores a cluster, adds its writer and deletes both in order, on simulated time', async () => {
    // Prepare
    const snapshot = clusterSnapshot();

    // Act
    const restored = await emu.client().send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'payments-restored',
        SnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier,
        Engine: 'aurora-postgresql',
        DBSubnetGroupName: 'default',
        VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
        Tags: restoreTags,
      }),
    );
    await emu.client().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'payments-restored-1',
        DBClusterIdentifier: 'payments-restored',
        DBInstanceClass: 'db.r7g.large',
        Engine: 'aurora-postgresql',
        Tags: restoreTags,
      }),
    );
    const cluster = () =>
      emu.client().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'payments-restored' }));
    const creating = await cluster();
    advance(2 * 3600);
    const available = await cluster();
    const refused = await failure(
      emu
        .client()
        .send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'payments-restored', SkipFinalSnapshot: true })),
    );
    await emu.client().send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'payments-restored-1' }));
    const deleting = await emu
      .client()
      .send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'payments-restored', SkipFinalSnapshot: true }));
    advance(3600);
    const gone = await failure(cluster());

    // Assess
    expect(restored.DBCluster?.Status).toBe('creating');
    expect(creating.DBClusters?.[0]).toMatchObject({
      Status: 'creating',
      Engine: 'aurora-postgresql',
      DBSubnetGroup: 'default',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0a1b2c3d4e5f60718' }],
      TagList: restoreTags,
      DBClusterMembers: [{ DBInstanceIdentifier: 'payments-restored-1', IsClusterWriter: true }],
    });
    expect(available.DBClusters?.[0]?.Status).toBe('available');
    expect(refused.name).toBe('InvalidDBClusterStateFault');
    expect(deleting.DBCluster?.Status).toBe('deleting');
    expect(gone.name).toBe('DBClusterNotFoundFault');
  });

  it('refuses to delete a cluster still creating (InvalidDBClusterStateFault)', async () => {
    // Prepare
    const snapshot = clusterSnapshot();
    await emu.client().send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'payments-creating',
        SnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier,
        Engine: 'aurora-postgresql',
      }),
    );

    // Act
    const refused = await failure(
      emu
        .client()
        .send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'payments-creating', SkipFinalSnapshot: true })),
    );

    // Assess
    expect(refused.name).toBe('InvalidDBClusterStateFault');
  });

  it('refuses a taken cluster identifier and a missing cluster snapshot', async () => {
    // Prepare
    model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger' });
    const restore = (DBClusterIdentifier: string, SnapshotIdentifier: string) =>
      failure(
        emu.client().send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier,
            SnapshotIdentifier,
            Engine: 'aurora-postgresql',
          }),
        ),
      );

    // Act
    const taken = await restore('ledger', 'payments-snap');
    const missing = await restore('ledger-restored', 'no-such-snapshot');

    // Assess
    expect([taken.name, missing.name]).toEqual(['DBClusterAlreadyExistsFault', 'DBClusterSnapshotNotFoundFault']);
  });
});
