/**
 * shared/services/rds/aurora-cluster-restore.ts against a mocked RDS: settings capture (the cluster's
 * description plus its writer's class, one batched describe for all clusters), start (the recorded engine,
 * subnet group and security groups, a drill's placement winning, the writer's class carried as a tag; a
 * taken cluster or writer identifier refused before anything is made; a retry finds its cluster), check
 * (the writer made once the cluster is available, AVAILABLE when both are) and remove (writer, then
 * cluster, only with this stack's restored-by).
 */
import {
  CreateDBInstanceCommand,
  type DBCluster,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
} from '@aws-sdk/client-rds';
import { type InvalidInputError, InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import { auroraClusterDriver } from '../../../../shared/services/rds/aurora-cluster';
import {
  auroraClusterRestore,
  auroraClusterRestoreSettingsSchema,
  WRITER_CLASS_TAG,
} from '../../../../shared/services/rds/aurora-cluster-restore';
import { RESTORE_TAG, type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, REGION, restoreContextOf } from '../../../support/unit-fixtures';
import { clusterRef, rdsError } from './fixtures';

const rds = mockedClient(RDSClient);

const OWNER = 'BackupPipeline@eu-west-1';
const SETTINGS = {
  engine: 'aurora-postgresql',
  engineVersion: '16.4',
  dbSubnetGroupName: 'private-db',
  vpcSecurityGroupIds: ['sg-0aaa'],
  port: 5432,
  writerInstanceId: 'ledger-1',
  writerInstanceClass: 'db.r6g.large',
};
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: ['bp-run-1-abcd1234-ledger'],
  name: 'ledger-restored',
  settings: SETTINGS,
  tags: {
    restoredBy: OWNER,
    restoreId: 'restore-1',
    sourceArn: clusterRef().arn,
    backupId: 'bp-run-1-abcd1234-ledger',
    drill: false,
  },
  ...extra,
});
const OUR_TAGS = [...restoreTags(request().tags), { Key: WRITER_CLASS_TAG, Value: 'db.r6g.large' }];
const cluster = (extra: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: 'ledger-restored',
  Engine: 'aurora-postgresql',
  EngineVersion: '16.4',
  Status: 'available',
  TagList: OUR_TAGS,
  DBClusterMembers: [],
  ...extra,
});
const clusterGone = () => rdsError('DBClusterNotFoundFault');
const instanceGone = () => rdsError('DBInstanceNotFound');

describe('auroraClusterDriver restore settings', () => {
  it("records the cluster's settings and its writer's class, parseable by the restore schema, with one describe of all writers", async () => {
    // Prepare
    const source = (id: string): DBCluster => ({
      DBClusterIdentifier: id,
      DBClusterArn: clusterRef(id).arn,
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      DBSubnetGroup: 'private-db',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0aaa' }],
      Port: 5432,
      DBClusterParameterGroup: 'default.aurora-postgresql16',
      DBClusterMembers: [
        { DBInstanceIdentifier: `${id}-2`, IsClusterWriter: false },
        { DBInstanceIdentifier: `${id}-1`, IsClusterWriter: true },
      ],
      TagList: [{ Key: 'backup', Value: 'true' }],
    });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [source('ledger'), source('audit')] });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: 'ledger-1', DBInstanceClass: 'db.r6g.large' },
        { DBInstanceIdentifier: 'audit-1', DBInstanceClass: 'db.t4g.medium' },
      ],
    });

    // Act
    const found = await auroraClusterDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((f) => f.restoreSettings)).toEqual([
      { ...SETTINGS },
      { ...SETTINGS, writerInstanceId: 'audit-1', writerInstanceClass: 'db.t4g.medium' },
    ]);
    expect(auroraClusterRestoreSettingsSchema.parse(found[0]?.restoreSettings)).toEqual(SETTINGS);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      Filters: [{ Name: 'db-instance-id', Values: ['ledger-1', 'audit-1'] }],
    });
  });
});

describe('auroraClusterRestore.start', () => {
  it('restores the cluster with the recorded engine and network, tagged, the writer class carried for check', async () => {
    // Prepare
    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(RestoreDBClusterFromSnapshotCommand).resolves({});

    // Act
    const started = await auroraClusterRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['ledger-restored', 'ledger-restored-writer'], reused: false });
    expect(rds).toHaveReceivedCommandWith(RestoreDBClusterFromSnapshotCommand, {
      DBClusterIdentifier: 'ledger-restored',
      SnapshotIdentifier: 'bp-run-1-abcd1234-ledger',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      DBSubnetGroupName: 'private-db',
      VpcSecurityGroupIds: ['sg-0aaa'],
      Port: 5432,
      DeletionProtection: false,
      Tags: OUR_TAGS,
    });
    expect(rds).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 0);
  });

  it("lets a drill's subnet group and security groups win", async () => {
    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    await auroraClusterRestore.start(
      request({ placement: { dbSubnetGroupName: 'drill-db', securityGroupIds: ['sg-0drill'] } }),
    );
    expect(rds).toHaveReceivedCommandWith(RestoreDBClusterFromSnapshotCommand, {
      DBSubnetGroupName: 'drill-db',
      VpcSecurityGroupIds: ['sg-0drill'],
    });
  });

  it('refuses a cluster identifier in use, and a writer identifier in use, making nothing', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ TagList: [] })] });
    await expect(auroraClusterRestore.start(request())).rejects.toThrow(NameInUseError);

    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'ledger-restored-writer' }] });
    await expect(auroraClusterRestore.start(request())).rejects.toThrow(NameInUseError);
    expect(rds).toHaveReceivedCommandTimes(RestoreDBClusterFromSnapshotCommand, 0);
  });

  it('maps AWS refusing the identifier (DBClusterAlreadyExistsFault) to NameInUseError', async () => {
    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(RestoreDBClusterFromSnapshotCommand).rejects(rdsError('DBClusterAlreadyExistsFault'));
    await expect(auroraClusterRestore.start(request())).rejects.toThrow(NameInUseError);
  });

  it('on a retry finds the cluster this restore made and makes nothing', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'creating' })] });
    await expect(auroraClusterRestore.start(request())).resolves.toMatchObject({ reused: true });
    expect(rds).toHaveReceivedCommandTimes(RestoreDBClusterFromSnapshotCommand, 0);
  });

  it('names the writer class when it was not recorded, before calling AWS', async () => {
    const { writerInstanceClass: _, ...without } = SETTINGS;
    const error = await auroraClusterRestore.start(request({ settings: without })).catch((e: unknown) => e);
    expect((error as InvalidInputError).fields).toEqual(['settings.writerInstanceClass']);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
  });
});

describe('auroraClusterRestore.check', () => {
  const ids = ['ledger-restored', 'ledger-restored-writer'];

  it('waits for the cluster, then makes its writer of the recorded class, then reports AVAILABLE', async () => {
    // Prepare / Act / Assess: the cluster is still being restored.
    rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [cluster({ Status: 'creating' })] });
    await expect(auroraClusterRestore.check(REGION, ids)).resolves.toEqual({
      status: 'RESTORING',
      state: 'cluster creating',
    });
    expect(rds).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 0);

    // The cluster is available, its writer not there yet: it is made, once.
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    await expect(auroraClusterRestore.check(REGION, ids)).resolves.toEqual({
      status: 'RESTORING',
      state: 'writer creating',
    });
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'ledger-restored-writer',
      DBClusterIdentifier: 'ledger-restored',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      PubliclyAccessible: false,
      Tags: restoreTags(request().tags),
    });

    // Both available.
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [cluster({ DBClusterMembers: [{ DBInstanceIdentifier: 'ledger-restored-writer' }] })],
    });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'ledger-restored-writer',
          DBClusterIdentifier: 'ledger-restored',
          DBInstanceStatus: 'available',
          DBInstanceClass: 'db.r6g.large',
        },
      ],
    });
    await expect(auroraClusterRestore.check(REGION, ids)).resolves.toEqual({
      status: 'AVAILABLE',
      shape: {
        dbClusterIdentifier: 'ledger-restored',
        engine: 'aurora-postgresql',
        engineVersion: '16.4',
        writerInstanceClass: 'db.r6g.large',
        members: 1,
        encrypted: false,
      },
    });
    expect(rds).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 1);
  });

  it('reports FAILED for a cluster that is gone', async () => {
    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    await expect(auroraClusterRestore.check(REGION, ids)).resolves.toMatchObject({ status: 'FAILED' });
  });
});

describe('auroraClusterRestore.remove', () => {
  const ids = ['ledger-restored', 'ledger-restored-writer'];
  const writer = (tags = restoreTags(request().tags)) => ({
    DBInstanceIdentifier: 'ledger-restored-writer',
    DBClusterIdentifier: 'ledger-restored',
    DBInstanceStatus: 'available',
    TagList: tags,
  });

  it('deletes the writer first, then the cluster once it has no member, then reports gone', async () => {
    rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [writer()] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).resolves.toBe('deleting');
    expect(rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'ledger-restored-writer',
      SkipFinalSnapshot: true,
    });
    expect(rds).toHaveReceivedCommandTimes(DeleteDBClusterCommand, 0);

    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(DescribeDBClustersCommand).resolvesOnce({ DBClusters: [cluster()] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).resolves.toBe('deleting');
    expect(rds).toHaveReceivedCommandWith(DeleteDBClusterCommand, {
      DBClusterIdentifier: 'ledger-restored',
      SkipFinalSnapshot: true,
    });

    rds.on(DescribeDBClustersCommand).rejects(clusterGone());
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).resolves.toBe('gone');
  });

  it('waits for a writer or a cluster still creating (RDS refuses to delete them) without asking', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...writer(), DBInstanceStatus: 'creating' }] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).resolves.toBe('deleting');

    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'creating', DBClusterMembers: [] })] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).resolves.toBe('deleting');
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DeleteDBClusterCommand, 0);
  });

  it('never deletes a writer or a cluster without this stack’s restored-by tag', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer([])] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).rejects.toThrow(InvalidResourceStateError);

    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [cluster({ TagList: [{ Key: RESTORE_TAG.restoredBy, Value: 'Other@us-east-1' }] })],
    });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER)).rejects.toThrow(
      'Aurora cluster ledger-restored was not restored by BackupPipeline@eu-west-1: not deleted',
    );
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DeleteDBClusterCommand, 0);
  });

  it('never deletes a writer or a cluster another restore of this stack made (its restore-id tag)', async () => {
    // The identifiers are recorded before the create: one RDS refused may hold another restore's cluster.
    const mine = restoreContextOf('restore-1', OWNER);
    const other = restoreContextOf('restore-2', OWNER);
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer()] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER, other)).rejects.toThrow(InvalidResourceStateError);

    rds.on(DescribeDBInstancesCommand).rejects(instanceGone());
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER, other)).rejects.toThrow(
      'Aurora cluster ledger-restored was not restored by BackupPipeline@eu-west-1 (restore-2): not deleted',
    );
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DeleteDBClusterCommand, 0);
    await expect(auroraClusterRestore.remove(REGION, ids, OWNER, mine)).resolves.toBe('deleting');
  });
});
