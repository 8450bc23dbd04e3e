/**
 * Restore settings capture for RDS (Discovered.restoreSettings): discovery and resolve of a DB instance
 * record its class, subnet group, security groups, zone, storage, port and non-default groups from the
 * DescribeDBInstances answer they already make, in the shape rdsInstanceRestore's schema parses; an
 * Aurora member records none (its cluster is what is backed up).
 */
import { type DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { rdsInstanceDriver } from '../../../../shared/services/rds/rds-instance';
import { rdsInstanceRestoreSettingsSchema } from '../../../../shared/services/rds/rds-instance-restore';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, REGION } from '../../../support/unit-fixtures';
import { dbRef } from './fixtures';

const rds = mockedClient(RDSClient);

const instance = (extra: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: 'orders',
  DBInstanceArn: dbRef().arn,
  DBInstanceStatus: 'available',
  DBInstanceClass: 'db.r6g.large',
  DBSubnetGroup: { DBSubnetGroupName: 'private-db' },
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0aaa', Status: 'active' }, { VpcSecurityGroupId: 'sg-0bbb' }],
  AvailabilityZone: 'eu-west-1a',
  MultiAZ: false,
  StorageType: 'gp3',
  Endpoint: { Port: 5432 },
  DBParameterGroups: [{ DBParameterGroupName: 'orders-pg16' }],
  OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16' }],
  TagList: [{ Key: 'backup', Value: 'true' }],
  ...extra,
});

describe('rdsInstanceDriver restore settings', () => {
  it('records what the restore needs from the describe discovery made, parseable by the restore schema, with no other call', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });

    // Act
    const [found] = await rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess: the default option group is RDS's own choice and is not recorded.
    const expected = {
      dbInstanceClass: 'db.r6g.large',
      dbSubnetGroupName: 'private-db',
      vpcSecurityGroupIds: ['sg-0aaa', 'sg-0bbb'],
      availabilityZone: 'eu-west-1a',
      multiAz: false,
      storageType: 'gp3',
      port: 5432,
      dbParameterGroupName: 'orders-pg16',
    };
    expect(found?.restoreSettings).toEqual(expected);
    expect(rdsInstanceRestoreSettingsSchema.parse(found?.restoreSettings)).toEqual(expected);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
  });

  it('records a Multi-AZ instance as such through resolve too', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ MultiAZ: true })] });
    const found = await rdsInstanceDriver.resolve(dbRef());
    expect(found.restoreSettings).toMatchObject({ dbInstanceClass: 'db.r6g.large', multiAz: true });
  });

  it('records nothing for an Aurora member, whose cluster is backed up in its place', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ DBClusterIdentifier: 'ledger' })] });
    const found = await rdsInstanceDriver.resolve(dbRef());
    expect(found.restoreSettings).toBeUndefined();
    expect(found.backedUpWith?.id).toBe('ledger');
  });
});
