/**
 * Restore creates whose answer is lost (issue #19 item 6): the model makes what the call asked for, then
 * answers a 500 (EC2 InternalError, RDS InternalFailure, DynamoDB InternalServerError), and the SDK
 * retries it with the retry settings the Lambdas deploy with (DEPLOYED_SDK_MAX_ATTEMPTS), over the wire
 * as in the sandbox. Each restore driver ends with one restored resource that it adopts: never
 * NameInUseError, never a second resource, never an orphan. A retried start (the workflow's Retry) then
 * finds the same resource and reports it reused.
 */
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { DEPLOYED_SDK_MAX_ATTEMPTS } from '../../../shared/lambda/clients';
import type { RestoreDriver, RestoreRequest } from '../../../shared/services/restore';

const REGION = 'eu-west-1';
const OWNER = 'backup-pipeline@eu-west-1';
const GIB = 1024 ** 3;
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
let drivers: Record<string, RestoreDriver>;
const saved = { endpoint: process.env.AWS_ENDPOINT_URL, attempts: process.env.AWS_MAX_ATTEMPTS };

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
  // Before the drivers load: their clients are made against the emulator with the deployed retry settings.
  process.env.AWS_ENDPOINT_URL = server.endpoint;
  process.env.AWS_MAX_ATTEMPTS = String(DEPLOYED_SDK_MAX_ATTEMPTS);
  drivers = {
    ebsVolume: require('../../../shared/services/ec2/ebs-volume-restore').ebsVolumeRestore,
    snapshotSet: require('../../../shared/services/ec2/ec2-snapshot-set-restore').ec2SnapshotSetRestore,
    image: require('../../../shared/services/ec2/ec2-image-restore').ec2ImageRestore,
    rdsInstance: require('../../../shared/services/rds/rds-instance-restore').rdsInstanceRestore,
    aurora: require('../../../shared/services/rds/aurora-cluster-restore').auroraClusterRestore,
    dynamoBackup: require('../../../shared/services/dynamodb/table-restore').dynamodbBackupRestore,
    dynamoImport: require('../../../shared/services/dynamodb/table-import').dynamodbImportRestore,
  };
});
afterAll(async () => {
  for (const [key, value] of [
    ['AWS_ENDPOINT_URL', saved.endpoint],
    ['AWS_MAX_ATTEMPTS', saved.attempts],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await server.close();
});

const driver = (key: string): RestoreDriver => {
  const d = drivers[key];
  if (!d) throw new Error(`no driver ${key}`);
  return d;
};

function request(name: string, backupIds: string[], settings: unknown): RestoreRequest {
  const restoreId = `restore-${name}`;
  return {
    restoreId,
    region: REGION,
    sourceRegion: REGION,
    backupIds,
    name,
    settings,
    tags: {
      restoredBy: OWNER,
      restoreId,
      sourceArn: `arn:aws:source/${name}`,
      backupId: backupIds[0] ?? '',
      drill: true,
    },
  };
}

/** The next answer of `operation` is lost: the model makes what it was asked, then answers a 500. */
function loseNextAnswer(operation: string): void {
  model.faults.lostAnswers = { ...model.faults.lostAnswers, [operation]: 1 };
}

const lostAnswerWasServed = (operation: string) => expect(model.faults.lostAnswers?.[operation]).toBe(0);

function snapshotOf(size: number) {
  const volume = model.addVolume(REGION, { Size: size });
  return model.addExistingSnapshot(REGION, { VolumeId: volume.VolumeId, VolumeSize: size, startMs: 0 });
}

const tagged = (tags: { Key?: string; Value?: string }[] | undefined, restoreId: string) =>
  (tags ?? []).some((t) => t.Key === 'backup-pipeline:restore-id' && t.Value === restoreId);

describe('restore creates whose answer is lost, retried by the SDK as deployed', () => {
  it('the sandbox and the tests retry with the SDK attempts the Lambdas deploy with', () => {
    expect(DEPLOYED_SDK_MAX_ATTEMPTS).toBeGreaterThan(1);
  });

  it('EBS CreateVolume: one volume, adopted (the client token returns it)', async () => {
    // Prepare
    const snapshot = snapshotOf(50);
    const restore = request('vol-lost', [snapshot.SnapshotId], { availabilityZone: 'eu-west-1a', volumeType: 'gp3' });
    loseNextAnswer('ec2:CreateVolume');

    // Act
    const started = await driver('ebsVolume').start(restore);
    const retried = await driver('ebsVolume').start(restore);

    // Assess
    lostAnswerWasServed('ec2:CreateVolume');
    const made = model.describeVolumes(REGION, {}).Volumes.filter((v) => tagged(v.Tags, restore.restoreId));
    expect(made.map((v) => v.VolumeId)).toEqual(started.restoredIds);
    expect(retried).toEqual({ restoredIds: started.restoredIds, reused: true });
  });

  it("an instance's snapshot set: one volume per snapshot, adopted", async () => {
    // Prepare
    const snapshots = [snapshotOf(20), snapshotOf(30)];
    const restore = request(
      'set-lost',
      snapshots.map((s) => s.SnapshotId),
      { availabilityZone: 'eu-west-1a', instanceType: 't3.small' },
    );
    loseNextAnswer('ec2:CreateVolume');

    // Act
    const started = await driver('snapshotSet').start(restore);
    const retried = await driver('snapshotSet').start(restore);

    // Assess
    lostAnswerWasServed('ec2:CreateVolume');
    const made = model.describeVolumes(REGION, {}).Volumes.filter((v) => tagged(v.Tags, restore.restoreId));
    expect(made.map((v) => v.VolumeId).sort()).toEqual([...started.restoredIds].sort());
    expect(started.restoredIds).toHaveLength(2);
    expect(retried).toEqual({ restoredIds: started.restoredIds, reused: true });
  });

  it('EC2 RunInstances: one instance, adopted (the client token returns it)', async () => {
    // Prepare
    const image = model.addImage(REGION, { Name: 'image-lost', snapshotIds: [snapshotOf(8).SnapshotId], Tags: [] });
    const restore = request('instance-lost', [image.ImageId], {
      availabilityZone: 'eu-west-1a',
      instanceType: 't3.small',
    });
    loseNextAnswer('ec2:RunInstances');

    // Act
    const started = await driver('image').start(restore);
    const retried = await driver('image').start(restore);

    // Assess
    lostAnswerWasServed('ec2:RunInstances');
    const instances = model
      .describeInstances(REGION, {})
      .Reservations.flatMap((r) => r.Instances ?? [])
      .filter((i) => tagged(i.Tags, restore.restoreId));
    expect(instances.map((i) => i.InstanceId)).toEqual(started.restoredIds);
    expect(retried).toEqual({ restoredIds: started.restoredIds, reused: true });
  });

  it('RDS RestoreDBInstanceFromDBSnapshot: the SDK retry finds the identifier taken by this restore and adopts it', async () => {
    // Prepare
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', AllocatedStorage: 100 });
    model.addExistingDbSnapshot(REGION, {
      DBSnapshotIdentifier: 'orders-snap',
      DBInstanceIdentifier: 'orders',
      AllocatedStorage: 100,
      startMs: 0,
    });
    const restore = request('orders-lost', ['orders-snap'], { dbInstanceClass: 'db.m6g.large' });
    loseNextAnswer('rds:RestoreDBInstanceFromDBSnapshot');

    // Act
    const started = await driver('rdsInstance').start(restore);
    const retried = await driver('rdsInstance').start(restore);

    // Assess
    lostAnswerWasServed('rds:RestoreDBInstanceFromDBSnapshot');
    expect(started).toEqual({ restoredIds: ['orders-lost'], reused: true });
    expect(retried).toEqual({ restoredIds: ['orders-lost'], reused: true });
    expect(model.describeDBInstances(REGION, { DBInstanceIdentifier: 'orders-lost' }).DBInstances).toHaveLength(1);
  });

  it('Aurora RestoreDBClusterFromSnapshot and its writer (CreateDBInstance): adopted, one of each', async () => {
    // Prepare
    model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger' });
    model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'ledger-snap',
      DBClusterIdentifier: 'ledger',
      startMs: 0,
    });
    const restore = request('ledger-lost', ['ledger-snap'], {
      engine: 'aurora-postgresql',
      writerInstanceClass: 'db.r6g.large',
    });
    loseNextAnswer('rds:RestoreDBClusterFromSnapshot');

    // Act
    const started = await driver('aurora').start(restore);
    const retried = await driver('aurora').start(restore);
    advance(2 * 3600);
    loseNextAnswer('rds:CreateDBInstance');
    const writerStarting = await driver('aurora').check(REGION, started.restoredIds);
    advance(2 * 3600);
    const available = await driver('aurora').check(REGION, started.restoredIds);

    // Assess
    lostAnswerWasServed('rds:RestoreDBClusterFromSnapshot');
    lostAnswerWasServed('rds:CreateDBInstance');
    expect(started).toEqual({ restoredIds: ['ledger-lost', 'ledger-lost-writer'], reused: true });
    expect(retried).toEqual(started);
    expect(writerStarting).toEqual({ status: 'RESTORING', state: 'writer creating' });
    expect(available.status).toBe('AVAILABLE');
    expect(model.describeDBClusters(REGION, { DBClusterIdentifier: 'ledger-lost' }).DBClusters).toHaveLength(1);
  });

  it('DynamoDB RestoreTableFromBackup: the SDK retry finds the table restored from this backup and adopts it', async () => {
    // Prepare
    model.addDynamoTable(REGION, { TableName: 'sessions', sizeBytes: GIB });
    const backup = model.addExistingDynamoBackup(REGION, {
      TableName: 'sessions',
      BackupName: 'bp-sessions-b',
      startMs: 0,
      sizeBytes: GIB,
    });
    const restore = request('sessions-restored-lost', [backup.BackupArn], {});
    loseNextAnswer('dynamodb:RestoreTableFromBackup');

    // Act
    const started = await driver('dynamoBackup').start(restore);
    const retried = await driver('dynamoBackup').start(restore);

    // Assess
    lostAnswerWasServed('dynamodb:RestoreTableFromBackup');
    expect(started).toEqual({ restoredIds: ['sessions-restored-lost'], reused: true });
    expect(retried).toEqual({ restoredIds: ['sessions-restored-lost'], reused: true });
    // Tagged by the check once ACTIVE (a CREATING table takes no tags): start tags nothing.
  });

  it('DynamoDB ImportTable: one import and one table, adopted (the client token returns the import)', async () => {
    // Prepare
    model.addDynamoTable(REGION, { TableName: 'clicks', sizeBytes: GIB, pitr: true });
    model.createBucket(REGION, 'exports-lost');
    const { ExportDescription } = model.exportTableToPointInTime(REGION, {
      TableArn: model.dynamoTableArn(REGION, 'clicks'),
      S3Bucket: 'exports-lost',
      S3Prefix: 'clicks',
    });
    advance(3 * 3600);
    const restore = request('clicks-restored-lost', [ExportDescription.ExportArn], {
      keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
      attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
    });
    loseNextAnswer('dynamodb:ImportTable');

    // Act
    const started = await driver('dynamoImport').start(restore);
    const retried = await driver('dynamoImport').start(restore);

    // Assess
    lostAnswerWasServed('dynamodb:ImportTable');
    expect(started.restoredIds[0]).toBe('clicks-restored-lost');
    expect(retried).toEqual({ restoredIds: started.restoredIds, reused: true });
  });
});
