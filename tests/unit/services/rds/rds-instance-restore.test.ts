/**
 * shared/services/rds/rds-instance-restore.ts against a mocked RDS: start (the recorded class, subnet
 * group and security groups, never publicly accessible, a drill's placement wins, a retry finds its
 * instance, a taken identifier is refused before anything is made, a missing subnet group is a named
 * error), check (creating, available with its shape, failed), and remove (only what this stack restored).
 */
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import {
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  ResourceNotFoundError,
} from '../../../../shared/errors';
import { rdsInstanceRestore } from '../../../../shared/services/rds/rds-instance-restore';
import { RESTORE_TAG, type RestoreRequest } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { namedError, REGION } from '../../../support/unit-fixtures';
import { dbRef, rdsError } from './fixtures';

const rds = mockedClient(RDSClient);

const OWNER = 'BackupPipeline@eu-west-1';
const SNAPSHOT = 'bp-daily-run-1-orders';
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: [SNAPSHOT],
  name: 'orders-restored',
  settings: {
    dbInstanceClass: 'db.r6g.large',
    dbSubnetGroupName: 'orders-subnets',
    vpcSecurityGroupIds: ['sg-0orders'],
    availabilityZone: 'eu-west-1a',
  },
  tags: { restoredBy: OWNER, restoreId: 'restore-1', sourceArn: dbRef().arn, backupId: SNAPSHOT, drill: false },
  ...extra,
});
const notFound = () => rdsError('DBInstanceNotFound');

describe('rdsInstanceRestore.start', () => {
  it('restores with the recorded class, subnet group and security groups, never publicly accessible', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});

    // Act
    const started = await rdsInstanceRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['orders-restored'], reused: false });
    const input = rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      DBInstanceIdentifier: 'orders-restored',
      DBSnapshotIdentifier: SNAPSHOT,
      DBInstanceClass: 'db.r6g.large',
      DBSubnetGroupName: 'orders-subnets',
      VpcSecurityGroupIds: ['sg-0orders'],
      AvailabilityZone: 'eu-west-1a',
      PubliclyAccessible: false,
    });
    expect(input?.Tags).toEqual(
      expect.arrayContaining([
        { Key: RESTORE_TAG.restoredBy, Value: OWNER },
        { Key: RESTORE_TAG.restoreId, Value: 'restore-1' },
        { Key: RESTORE_TAG.restoredFrom, Value: dbRef().arn },
        { Key: RESTORE_TAG.drill, Value: 'false' },
      ]),
    );
  });

  it("puts a drill's instance in the drill's subnet group and security groups", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    await rdsInstanceRestore.start(
      request({ placement: { dbSubnetGroupName: 'drill-subnets', securityGroupIds: ['sg-0drill'] } }),
    );
    expect(rds).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBSubnetGroupName: 'drill-subnets',
      VpcSecurityGroupIds: ['sg-0drill'],
    });
  });

  it("leaves the source's subnet group, security groups and zone out of a restore in a DR region", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    await rdsInstanceRestore.start(request({ region: 'us-west-2' }));
    const input = rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input;
    expect(input?.DBSubnetGroupName).toBeUndefined();
    expect(input?.VpcSecurityGroupIds).toBeUndefined();
    expect(input?.AvailabilityZone).toBeUndefined();
    expect(input?.DBInstanceClass).toBe('db.r6g.large');
  });

  it('names no zone for a Multi-AZ source', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    await rdsInstanceRestore.start(
      request({ settings: { dbInstanceClass: 'db.r6g.large', multiAz: true, availabilityZone: 'eu-west-1a' } }),
    );
    const input = rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input;
    expect(input?.MultiAZ).toBe(true);
    expect(input?.AvailabilityZone).toBeUndefined();
  });

  it('on a retry finds the instance an earlier attempt restored and restores nothing', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders-restored',
          DBInstanceStatus: 'creating',
          TagList: [{ Key: RESTORE_TAG.restoreId, Value: 'restore-1' }],
        },
      ],
    });

    // Act
    const started = await rdsInstanceRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['orders-restored'], reused: true });
    expect(rds).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
  });

  it('refuses an identifier another instance holds, touching nothing', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'orders-restored', DBInstanceStatus: 'available', TagList: [] }],
    });
    await expect(rdsInstanceRestore.start(request())).rejects.toBeInstanceOf(NameInUseError);
    expect(rds).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
  });

  it('maps a name taken between the check and the call to NameInUseError', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(namedError('DBInstanceAlreadyExistsFault'));
    await expect(rdsInstanceRestore.start(request())).rejects.toBeInstanceOf(NameInUseError);
  });

  it('reports a subnet group the region does not have as ResourceNotFoundError', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(namedError('DBSubnetGroupNotFoundFault'));
    await expect(rdsInstanceRestore.start(request())).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('reports a snapshot that is not yet available as InvalidResourceStateError', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(rdsError('InvalidDBSnapshotState'));
    await expect(rdsInstanceRestore.start(request())).rejects.toBeInstanceOf(InvalidResourceStateError);
  });

  it('names the missing setting when the recorded settings lack the class', async () => {
    await expect(rdsInstanceRestore.start(request({ settings: {} }))).rejects.toThrow(InvalidInputError);
    await expect(rdsInstanceRestore.start(request({ settings: {} }))).rejects.toThrow(/dbInstanceClass/);
  });

  it('refuses more than one snapshot', async () => {
    await expect(rdsInstanceRestore.start(request({ backupIds: [SNAPSHOT, 'other'] }))).rejects.toThrow(
      InvalidInputError,
    );
  });
});

describe('rdsInstanceRestore.check', () => {
  it('reports RESTORING while the instance is being created', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'creating' }] });
    await expect(rdsInstanceRestore.check(REGION, ['orders-restored'])).resolves.toEqual({
      status: 'RESTORING',
      state: 'creating',
    });
  });

  it('reports AVAILABLE with the shape the drill compares', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceStatus: 'available',
          DBInstanceClass: 'db.r6g.large',
          Engine: 'postgres',
          AllocatedStorage: 200,
          StorageEncrypted: true,
          PubliclyAccessible: false,
        },
      ],
    });
    const checked = await rdsInstanceRestore.check(REGION, ['orders-restored']);
    expect(checked).toMatchObject({
      status: 'AVAILABLE',
      shape: { dbInstanceClass: 'db.r6g.large', allocatedStorageGiB: 200, encrypted: true, publiclyAccessible: false },
    });
  });

  it('reports RESTORING for the states that pass on their own, as the backup side knows them', async () => {
    for (const state of ['backing-up', 'storage-optimization', 'configuring-iam-database-auth', 'upgrading']) {
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: state }] });
      await expect(rdsInstanceRestore.check(REGION, ['orders-restored'])).resolves.toEqual({
        status: 'RESTORING',
        state,
      });
    }
  });

  it('reports FAILED for an instance that ended in a failed state or is gone', async () => {
    rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'incompatible-restore' }] });
    await expect(rdsInstanceRestore.check(REGION, ['orders-restored'])).resolves.toMatchObject({ status: 'FAILED' });
    rds.on(DescribeDBInstancesCommand).rejects(notFound());
    await expect(rdsInstanceRestore.check(REGION, ['orders-restored'])).resolves.toMatchObject({ status: 'FAILED' });
  });
});

describe('rdsInstanceRestore.remove', () => {
  it('waits for an instance still creating (RDS refuses to delete it) without asking', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceStatus: 'creating', TagList: [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }] }],
    });
    await expect(rdsInstanceRestore.remove(REGION, ['orders-restored'], OWNER)).resolves.toBe('deleting');
    expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
  });

  it('deletes an instance this stack restored, without a final snapshot', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceStatus: 'available', TagList: [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }] }],
    });
    rds.on(DeleteDBInstanceCommand).resolves({});
    await expect(rdsInstanceRestore.remove(REGION, ['orders-restored'], OWNER)).resolves.toBe('deleting');
    expect(rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-restored',
      SkipFinalSnapshot: true,
    });
  });

  it("never deletes an instance without this stack's restored-by tag", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available', TagList: [] }] });
    await expect(rdsInstanceRestore.remove(REGION, ['orders'], OWNER)).rejects.toBeInstanceOf(
      InvalidResourceStateError,
    );
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('reports gone once the instance no longer exists, and deleting while it is removed', async () => {
    rds.on(DescribeDBInstancesCommand).rejectsOnce(notFound());
    await expect(rdsInstanceRestore.remove(REGION, ['orders-restored'], OWNER)).resolves.toBe('gone');
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceStatus: 'deleting', TagList: [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }] }],
    });
    await expect(rdsInstanceRestore.remove(REGION, ['orders-restored'], OWNER)).resolves.toBe('deleting');
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });
});
