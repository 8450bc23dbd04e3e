/**
 * Restores of RDS and Aurora backups in a DR region (issue #19): statemachines/restore.asl.json with the
 * real handlers and drivers, AWS answered by the in-memory model. The source's subnet, parameter and
 * option groups are regional names that do not exist in the DR region, which here has no default VPC
 * either (as a locked-down account's regions often have not): a restore there without a DB subnet group
 * is refused at Plan, naming the field, before anything is made; with the region's placement it restores
 * into that region's groups, and the engine's defaults where placement names none.
 */
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { MODE_TAG } from '../../shared/services/modes';
import { RestoreStore } from '../../shared/state/restore-store';
import { ACCOUNT, openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];
const restores = () => new RestoreStore(dynamoDocClient(), TABLE);

/** A database and a cluster in their own groups, backed up and copied to a DR region without a default VPC. */
async function copiedToBareRegion(runId: string) {
  await sandbox.reset();
  seedDrKey(sandbox.model);
  const m = sandbox.model;
  m.removeDefaultVpc(DR_REGION);
  // Option groups are regional: the copy goes into the DR region's same-named one (made there with IaC).
  m.addOptionGroup(DR_REGION, 'orders-options');
  m.addDbInstance(REGION, {
    DBInstanceIdentifier: 'orders',
    TagList: tagged('orders'),
    DBSubnetGroupName: 'orders-private',
    DBParameterGroupName: 'orders-pg16',
    OptionGroupName: 'orders-options',
  });
  m.addDbCluster(REGION, {
    DBClusterIdentifier: 'ledger',
    TagList: tagged('ledger'),
    DBSubnetGroupName: 'ledger-private',
    DBClusterParameterGroupName: 'ledger-cpg',
  });
  // An instance backed up as an AMI (copied with CopyImage): its restore launches into a subnet.
  const app = m.addInstance(REGION, {
    Tags: [...tagged('app'), { Key: MODE_TAG, Value: 'ami' }],
    volumes: [{ Size: 30 }],
  });
  const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] }, runId);
  expect(run.status).toBe('SUCCEEDED');
  return {
    db: m.dbInstanceArn(REGION, 'orders'),
    cluster: m.dbClusterArn(REGION, 'ledger'),
    instance: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${app.InstanceId}`,
  };
}

describe('RDS and Aurora restores in a DR region', () => {
  it('refuses at Plan a restore into a region with no default VPC and no DB subnet group in placement, making nothing', async () => {
    // Prepare
    const arns = await copiedToBareRegion('dr-bare-estate');

    // Act
    const db = await sandbox.restore({ resource: arns.db, latest: true, region: DR_REGION }, 'restore-bare-db');
    const cluster = await sandbox.restore(
      {
        resource: arns.cluster,
        latest: true,
        region: DR_REGION,
        placement: { securityGroupIds: ['sg-0123456789abcdef0'] },
      },
      'restore-bare-cluster',
    );

    // Assess
    for (const result of [db, cluster]) {
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInputError');
      expect(result.cause).toContain('placement.dbSubnetGroupName');
      expect(result.cause).toContain(`${DR_REGION} has no default VPC`);
    }
    expect(await restores().get('restore-bare-db')).toBeUndefined();
    expect(sandbox.model.describeDBInstances(DR_REGION, {}).DBInstances).toEqual([]);
    expect(sandbox.model.describeDBClusters(DR_REGION, {}).DBClusters).toEqual([]);
  });

  it("restores into the DR region's placement and groups, the engine's or the copy's where it names none", async () => {
    // Prepare
    const arns = await copiedToBareRegion('dr-placed-estate');
    sandbox.model.addDbSubnetGroup(DR_REGION, 'dr-private');
    sandbox.model.addDbParameterGroup(DR_REGION, 'orders-pg16-dr');
    const placement = { dbSubnetGroupName: 'dr-private', dbParameterGroupName: 'orders-pg16-dr' };

    // Act
    const db = await sandbox.restore(
      { resource: arns.db, latest: true, region: DR_REGION, placement, name: 'orders-dr' },
      'restore-dr-db',
    );
    const cluster = await sandbox.restore(
      { resource: arns.cluster, latest: true, region: DR_REGION, placement, name: 'ledger-dr' },
      'restore-dr-cluster',
    );

    // Assess
    expect([db, cluster].map((r) => [r.status, r.cause])).toEqual([
      ['SUCCEEDED', undefined],
      ['SUCCEEDED', undefined],
    ]);
    const [instance] = sandbox.model.describeDBInstances(DR_REGION, { DBInstanceIdentifier: 'orders-dr' }).DBInstances;
    expect(instance).toMatchObject({
      DBSubnetGroup: { DBSubnetGroupName: 'dr-private' },
      DBParameterGroups: [{ DBParameterGroupName: 'orders-pg16-dr' }],
      // Named by no placement: the copy's, the DR group its copy went into (RDS: the snapshot's group).
      OptionGroupMemberships: [{ OptionGroupName: 'orders-options' }],
    });
    const [restored] = sandbox.model.describeDBClusters(DR_REGION, { DBClusterIdentifier: 'ledger-dr' }).DBClusters;
    expect(restored).toMatchObject({
      DBSubnetGroup: 'dr-private',
      DBClusterParameterGroup: 'default.aurora-postgresql',
    });
  });

  it('refuses at Plan an AMI restore into a region with no default VPC and no subnet in placement, launching nothing', async () => {
    // Prepare
    const arns = await copiedToBareRegion('dr-bare-ami-estate');
    const launched = () => sandbox.model.describeInstances(DR_REGION, {}).Reservations?.length ?? 0;

    // Act
    const refused = await sandbox.restore(
      { resource: arns.instance, latest: true, region: DR_REGION },
      'restore-bare-instance',
    );
    const placed = await sandbox.restore(
      {
        resource: arns.instance,
        latest: true,
        region: DR_REGION,
        placement: { subnetId: 'subnet-0a1b2c3d4e5f60718', securityGroupIds: ['sg-0a1b2c3d4e5f60719'] },
      },
      'restore-placed-instance',
    );

    // Assess
    expect(refused.error).toBe('InvalidInputError');
    expect(refused.cause).toContain('placement.subnetId');
    expect(refused.cause).toContain(`${DR_REGION} has no default VPC`);
    expect(placed.status).toBe('SUCCEEDED');
    expect(launched()).toBe(1);
  });
});
