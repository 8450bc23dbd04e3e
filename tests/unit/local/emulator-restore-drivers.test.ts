/**
 * The restore drivers already written (EBS volume, RDS instance) against the emulator over the wire, as the
 * sandbox's Lambdas reach it: start, a retried start finding what the first made, check RESTORING then
 * AVAILABLE as the model's clock moves, removal to gone. Proves the model answers the calls the drivers
 * make, with the shapes and states they read.
 */
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import type { RestoreDriver, RestoreRequest } from '../../../shared/services/restore';

const REGION = 'eu-west-1';
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
let ebsVolumeRestore: RestoreDriver;
let rdsInstanceRestore: RestoreDriver;
let auroraClusterRestore: RestoreDriver;
const savedEndpoint = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
  // Before the import: the drivers' SDK clients must be built against the emulator, as in the sandbox.
  process.env.AWS_ENDPOINT_URL = server.endpoint;
  ({ ebsVolumeRestore } = require('../../../shared/services/ec2/ebs-volume-restore'));
  ({ rdsInstanceRestore } = require('../../../shared/services/rds/rds-instance-restore'));
  ({ auroraClusterRestore } = require('../../../shared/services/rds/aurora-cluster-restore'));
});
afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
  await server.close();
});

const request = (backupId: string, name: string, settings: unknown): RestoreRequest => ({
  restoreId: `restore-${name}`,
  region: REGION,
  sourceRegion: REGION,
  backupIds: [backupId],
  name,
  settings,
  tags: {
    restoredBy: 'backup-pipeline@eu-west-1',
    restoreId: `restore-${name}`,
    sourceArn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-source',
    backupId,
    drill: true,
  },
});

describe('restore drivers against the emulator', () => {
  it('restores an EBS volume: started once, RESTORING, AVAILABLE with its shape, removed', async () => {
    // Prepare
    const source = model.addVolume(REGION, { Size: 100 });
    const snapshot = model.addExistingSnapshot(REGION, { VolumeId: source.VolumeId, VolumeSize: 100, startMs: 0 });
    const restore = request(snapshot.SnapshotId, 'data-restored', {
      availabilityZone: 'eu-west-1b',
      volumeType: 'gp3',
      iops: 3000,
      throughput: 125,
    });

    // Act
    const started = await ebsVolumeRestore.start(restore);
    const retried = await ebsVolumeRestore.start(restore);
    const creating = await ebsVolumeRestore.check(REGION, started.restoredIds);
    advance(600);
    const available = await ebsVolumeRestore.check(REGION, started.restoredIds);
    const removing = await ebsVolumeRestore.remove(REGION, started.restoredIds, 'backup-pipeline@eu-west-1');
    advance(600);
    const removed = await ebsVolumeRestore.remove(REGION, started.restoredIds, 'backup-pipeline@eu-west-1');

    // Assess
    expect(retried).toEqual({ restoredIds: started.restoredIds, reused: true });
    expect(creating.status).toBe('RESTORING');
    expect(available).toMatchObject({
      status: 'AVAILABLE',
      shape: { sizeGiB: 100, volumeType: 'gp3', encrypted: true, availabilityZone: 'eu-west-1b' },
    });
    expect([removing, removed]).toEqual(['deleting', 'gone']);
  });

  it('restores an RDS instance: started once, RESTORING, AVAILABLE with its shape, removed', async () => {
    // Prepare
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', AllocatedStorage: 200 });
    model.addExistingDbSnapshot(REGION, {
      DBSnapshotIdentifier: 'orders-nightly',
      DBInstanceIdentifier: 'orders',
      AllocatedStorage: 200,
      startMs: 0,
    });
    const restore = request('orders-nightly', 'orders-restored', {
      dbInstanceClass: 'db.r7g.large',
      dbSubnetGroupName: 'default',
    });

    // Act
    const started = await rdsInstanceRestore.start(restore);
    const retried = await rdsInstanceRestore.start(restore);
    const creating = await rdsInstanceRestore.check(REGION, started.restoredIds);
    advance(2 * 3600);
    const available = await rdsInstanceRestore.check(REGION, started.restoredIds);
    const removing = await rdsInstanceRestore.remove(REGION, started.restoredIds, 'backup-pipeline@eu-west-1');
    advance(3600);
    const removed = await rdsInstanceRestore.remove(REGION, started.restoredIds, 'backup-pipeline@eu-west-1');

    // Assess
    expect(retried).toEqual({ restoredIds: ['orders-restored'], reused: true });
    expect(creating.status).toBe('RESTORING');
    expect(available).toMatchObject({
      status: 'AVAILABLE',
      shape: {
        dbInstanceClass: 'db.r7g.large',
        engine: 'postgres',
        allocatedStorageGiB: 200,
        publiclyAccessible: false,
      },
    });
    expect([removing, removed]).toEqual(['deleting', 'gone']);
  });

  it("restores an RDS instance in a DR region with that region's groups from placement, else the engine's, never the source's", async () => {
    // Prepare: the source's parameter and option groups exist in its region only; the DR region has its own.
    const dr = 'us-west-2';
    model.addDbInstance(REGION, {
      DBInstanceIdentifier: 'crm',
      DBParameterGroupName: 'crm-pg16',
      OptionGroupName: 'crm-options',
    });
    model.addExistingDbSnapshot(dr, {
      DBSnapshotIdentifier: 'bp-daily-r1-crm',
      DBInstanceIdentifier: 'crm',
      startMs: 0,
    });
    model.addDbParameterGroup(dr, 'crm-pg16-dr');
    const recorded = {
      dbInstanceClass: 'db.r7g.large',
      dbParameterGroupName: 'crm-pg16',
      optionGroupName: 'crm-options',
    };
    const inDr = (name: string, placement?: RestoreRequest['placement']) => ({
      ...request('bp-daily-r1-crm', name, recorded),
      region: dr,
      ...(placement ? { placement } : {}),
    });
    const groupsOf = (id: string) => {
      const [db] = model.describeDBInstances(dr, { DBInstanceIdentifier: id }).DBInstances;
      return [db?.DBParameterGroups[0]?.DBParameterGroupName, db?.OptionGroupMemberships[0]?.OptionGroupName];
    };

    // Act
    await rdsInstanceRestore.start(inDr('crm-dr-defaults'));
    await rdsInstanceRestore.start(inDr('crm-dr-placed', { dbParameterGroupName: 'crm-pg16-dr' }));

    // Assess
    expect(groupsOf('crm-dr-defaults')).toEqual(['default.postgres', 'default:postgres']);
    expect(groupsOf('crm-dr-placed')).toEqual(['crm-pg16-dr', 'default:postgres']);
  });

  it("restores an Aurora cluster in a DR region with that region's cluster parameter group, else the engine's", async () => {
    // Prepare
    const dr = 'us-west-2';
    model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', DBClusterParameterGroupName: 'ledger-cpg' });
    model.addExistingDbClusterSnapshot(dr, {
      DBClusterSnapshotIdentifier: 'bp-daily-r1-ledger',
      DBClusterIdentifier: 'ledger',
      startMs: 0,
    });
    model.addDbClusterParameterGroup(dr, 'ledger-cpg-dr');
    const recorded = {
      engine: 'aurora-postgresql',
      dbClusterParameterGroupName: 'ledger-cpg',
      writerInstanceClass: 'db.r7g.large',
    };
    const inDr = (name: string, placement?: RestoreRequest['placement']) => ({
      ...request('bp-daily-r1-ledger', name, recorded),
      region: dr,
      ...(placement ? { placement } : {}),
    });
    const groupOf = (id: string) =>
      model.describeDBClusters(dr, { DBClusterIdentifier: id }).DBClusters[0]?.DBClusterParameterGroup;

    // Act
    await auroraClusterRestore.start(inDr('ledger-dr-defaults'));
    await auroraClusterRestore.start(inDr('ledger-dr-placed', { dbClusterParameterGroupName: 'ledger-cpg-dr' }));

    // Assess
    expect(groupOf('ledger-dr-defaults')).toBe('default.aurora-postgresql');
    expect(groupOf('ledger-dr-placed')).toBe('ledger-cpg-dr');
  });
});
