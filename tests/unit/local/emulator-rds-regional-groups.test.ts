/**
 * The model's regional names for RDS restores (issue #19), through the real SDK clients: DB parameter,
 * cluster parameter and option groups exist per region (a fleet database's own groups only in its
 * region; the engine's `default.` / `default:` groups everywhere), a restore naming one the region does
 * not have is refused with RDS's fault, and the restored instance or cluster shows the groups it got. A
 * region without a default VPC answers DescribeAccountAttributes `default-vpc` with `none` and refuses an
 * RDS restore that names no DB subnet group.
 */
import {
  DescribeAccountAttributesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const DR = 'us-west-2';
/** Clients in the DR region (the emulator answers each call in the region it is signed for). */
const emu = useEmulator((config) => new RDSClient({ ...config, region: DR }));
const { model } = emu;
const failure = (call: Promise<unknown>) => serviceFailure(call, RDSServiceException, 'an RDS');
const hour = 3_600_000;

/** A source database with its own groups in the home region, and a snapshot of it in the DR region (a copy). */
function sourceWithDrSnapshot(id: string) {
  model.addDbInstance(EMULATOR_REGION, {
    DBInstanceIdentifier: id,
    Engine: 'postgres',
    DBParameterGroupName: 'orders-pg16',
    OptionGroupName: 'orders-options',
  });
  return model.addExistingDbSnapshot(DR, {
    DBSnapshotIdentifier: `${id}-copy`,
    DBInstanceIdentifier: id,
    startMs: emu.now().getTime() - hour,
  });
}

describe('RDS parameter, cluster parameter and option groups, per region', () => {
  it('refuses a restore naming a parameter or option group the region does not have', async () => {
    // Prepare: the source's groups exist in its region only.
    const snapshot = sourceWithDrSnapshot('orders');
    const restore = (id: string, groups: { DBParameterGroupName?: string; OptionGroupName?: string }) =>
      failure(
        emu.client().send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: id,
            DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
            ...groups,
          }),
        ),
      );

    // Act
    const parameters = await restore('orders-dr-1', { DBParameterGroupName: 'orders-pg16' });
    const options = await restore('orders-dr-2', { OptionGroupName: 'orders-options' });

    // Assess
    expect([parameters.name, options.name]).toEqual(['DBParameterGroupNotFoundFault', 'OptionGroupNotFoundFault']);
    expect(model.describeDBInstances(DR, {}).DBInstances).toEqual([]);
  });

  it("restores with the region's own groups or the engine's defaults, and shows the groups it got", async () => {
    // Prepare
    const snapshot = sourceWithDrSnapshot('billing');
    model.addDbParameterGroup(DR, 'billing-pg16-dr');
    model.addOptionGroup(DR, 'billing-options-dr');

    // Act
    await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'billing-dr',
        DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
        DBParameterGroupName: 'billing-pg16-dr',
        OptionGroupName: 'billing-options-dr',
      }),
    );
    await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'billing-dr-defaults',
        DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
      }),
    );
    const shown = async (id: string) =>
      (await emu.client().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];

    // Assess
    expect(await shown('billing-dr')).toMatchObject({
      DBParameterGroups: [{ DBParameterGroupName: 'billing-pg16-dr' }],
      OptionGroupMemberships: [{ OptionGroupName: 'billing-options-dr' }],
    });
    expect(await shown('billing-dr-defaults')).toMatchObject({
      DBParameterGroups: [{ DBParameterGroupName: expect.stringMatching(/^default\./) }],
      OptionGroupMemberships: [{ OptionGroupName: expect.stringMatching(/^default:/) }],
    });
  });

  it('refuses a cluster restore naming a cluster parameter group the region does not have', async () => {
    // Prepare
    model.addDbCluster(EMULATOR_REGION, { DBClusterIdentifier: 'ledger', DBClusterParameterGroupName: 'ledger-cpg' });
    const snapshot = model.addExistingDbClusterSnapshot(DR, {
      DBClusterSnapshotIdentifier: 'ledger-copy',
      DBClusterIdentifier: 'ledger',
      startMs: emu.now().getTime() - hour,
    });
    const restore = (id: string, DBClusterParameterGroupName?: string) =>
      emu.client().send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: id,
          SnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier,
          Engine: snapshot.Engine,
          ...(DBClusterParameterGroupName ? { DBClusterParameterGroupName } : {}),
        }),
      );

    // Act
    const refused = await failure(restore('ledger-dr-1', 'ledger-cpg'));
    await restore('ledger-dr-2');
    const restored = await emu.client().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ledger-dr-2' }));

    // Assess
    expect(refused.name).toBe('DBClusterParameterGroupNotFoundFault');
    expect(restored.DBClusters?.[0]?.DBClusterParameterGroup).toMatch(/^default\./);
  });
});

describe('a region without a default VPC', () => {
  it('answers default-vpc none, and refuses an RDS restore naming no DB subnet group', async () => {
    // Prepare
    const region = 'ap-southeast-2';
    model.removeDefaultVpc(region);
    model.addDbInstance(EMULATOR_REGION, { DBInstanceIdentifier: 'crm' });
    const snapshot = model.addExistingDbSnapshot(region, {
      DBSnapshotIdentifier: 'crm-copy',
      DBInstanceIdentifier: 'crm',
      startMs: emu.now().getTime() - hour,
    });
    model.addDbSubnetGroup(region, 'dr-private');
    const config = await emu.client().config.endpoint?.();
    const ec2 = (r: string) =>
      new EC2Client({
        region: r,
        endpoint: `${config?.protocol}//${config?.hostname}:${config?.port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    const rds = new RDSClient({
      region,
      endpoint: `${config?.protocol}//${config?.hostname}:${config?.port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const defaultVpc = async (r: string) =>
      (await ec2(r).send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] })))
        .AccountAttributes?.[0]?.AttributeValues?.[0]?.AttributeValue;
    const restore = (id: string, DBSubnetGroupName?: string) =>
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: id,
          DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
          ...(DBSubnetGroupName ? { DBSubnetGroupName } : {}),
        }),
      );

    // Act
    const vpcs = [await defaultVpc(region), await defaultVpc(EMULATOR_REGION)];
    const refused = await failure(restore('crm-dr-1'));
    const placed = await restore('crm-dr-2', 'dr-private');

    // Assess
    expect(vpcs[0]).toBe('none');
    expect(vpcs[1]).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(refused.name).toBe('InvalidVPCNetworkStateFault');
    expect(placed.DBInstance?.DBSubnetGroup?.DBSubnetGroupName).toBe('dr-private');
  });

  it('refuses RunInstances naming no subnet there (VPCIdNotSpecified), and launches into a named one', async () => {
    // Prepare
    const region = 'ca-central-1';
    model.removeDefaultVpc(region);
    const source = model.addInstance(region, { volumes: [{ Size: 8 }] });
    const snapshot = model.addExistingSnapshot(region, { VolumeId: source.volumeIds[0] ?? '', startMs: 0 });
    const image = model.addImage(region, { Name: 'golden', snapshotIds: [snapshot.SnapshotId], Tags: [] });
    const config = await emu.client().config.endpoint?.();
    const ec2 = new EC2Client({
      region,
      endpoint: `${config?.protocol}//${config?.hostname}:${config?.port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const launch = (SubnetId?: string) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: image.ImageId,
          MinCount: 1,
          MaxCount: 1,
          ...(SubnetId ? { SubnetId } : {}),
        }),
      );

    // Act
    const refused = await launch().then(
      () => undefined,
      (e: unknown) => e,
    );
    const placed = await launch('subnet-0a1b2c3d4e5f60718');

    // Assess
    expect(refused).toBeInstanceOf(EC2ServiceException);
    expect((refused as Error).name).toBe('VPCIdNotSpecified');
    expect(placed.Instances?.[0]?.InstanceId).toMatch(/^i-/);
  });
});
