/**
 * DynamoDB tables recoverable in a recovery region (issue #19, item 12): an export-mode table's export is
 * copied by a second ExportTableToPointInTime, at the original's ExportTime, into the recovery stack's
 * bucket in the DR region (DynamoDB exports to a bucket of any region); a restore there imports it from
 * that bucket, with nothing asked of the home region. On-demand backups are not copied (DynamoDB copies
 * them across regions only through AWS Backup), and say so. The real ASL and handlers, AWS answered by
 * the in-memory model, which refuses an export into a bucket that does not exist.
 */
import { BACKUP_TAG, DR_REGION } from '../../local/estates/fleet';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { recoveryBucketName } from '../../shared/names';
import { MODE_TAG } from '../../shared/services/modes';
import { RestoreStore } from '../../shared/state/restore-store';
import { StateStore } from '../../shared/state/store';
import { ACCOUNT, openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const RECOVERY = { homeRegion: REGION, regions: [DR_REGION] };
const tagged = (name: string, mode: string) => [
  { Key: 'Name', Value: name },
  BACKUP_TAG,
  { Key: MODE_TAG, Value: mode },
];

/** An exported table and a backed-up one, with the recovery stack's bucket in the DR region (as it deploys it). */
async function estate(config: Record<string, unknown> = { recovery: RECOVERY }) {
  await sandbox.reset({ config });
  const bucket = recoveryBucketName(sandbox.config.stackName, ACCOUNT, DR_REGION);
  if (config.recovery) sandbox.model.createBucket(DR_REGION, bucket);
  sandbox.model.addDynamoTable(REGION, {
    TableName: 'clicks',
    pitr: true,
    sizeBytes: 3 * 1024 ** 3,
    Tags: tagged('clicks', 'export'),
  });
  sandbox.model.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions', 'backup') });
  return {
    bucket,
    clicks: sandbox.model.dynamoTableArn(REGION, 'clicks'),
    sessions: sandbox.model.dynamoTableArn(REGION, 'sessions'),
  };
}

describe('ExportCopiedToRecoveryRegion', () => {
  it("copies an export into the recovery region's bucket at the same ExportTime, and restores the table there from it", async () => {
    // Prepare
    const { bucket, clicks } = await estate();

    // Act
    const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'dr-export-run');
    const record = await sandbox.store.getResource('dr-export-run', clicks);
    const restored = await sandbox.restore(
      { resource: clicks, latest: true, region: DR_REGION, name: 'clicks-restored-dr' },
      'dr-export-restore',
    );

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(record?.status).toBe('COMPLETED');
    const [copy] = record?.copies ?? [];
    expect(copy).toMatchObject({ region: DR_REGION, status: 'COMPLETED' });
    const exports = sandbox.model.dynamoExports(REGION);
    const original = exports.find((e) => e.ExportArn === record?.backupIds?.[0]);
    const drCopy = exports.find((e) => e.ExportArn === copy?.ids[0]);
    expect(drCopy).toMatchObject({ S3Bucket: bucket, ExportStatus: 'COMPLETED', S3Prefix: original?.S3Prefix });
    expect(drCopy?.ExportTime).toEqual(original?.ExportTime);
    expect(restored.status).toBe('SUCCEEDED');
    const table = sandbox.model.describeTable(DR_REGION, { TableName: 'clicks-restored-dr' }).Table;
    const source = sandbox.model.describeTable(REGION, { TableName: 'clicks' }).Table;
    expect(table).toMatchObject({ TableStatus: 'ACTIVE', ItemCount: source.ItemCount });
    // Read from the DR region's bucket, not the home one.
    const [imported] = sandbox.model.listImports(DR_REGION, {}).ImportSummaryList;
    expect(imported?.S3BucketSource?.S3Bucket).toBe(bucket);
  });

  it("restores a table under a customer managed key of the home region under DynamoDB's own key of the DR region, saying so", async () => {
    // Prepare: the table's key is regional; the DR region has no such key.
    await estate();
    const key = sandbox.model.addKmsKey(REGION, { alias: 'tables-data' });
    sandbox.model.addDynamoTable(REGION, {
      TableName: 'orders',
      pitr: true,
      kmsKeyId: 'alias/tables-data',
      Tags: tagged('orders', 'export'),
    });
    const orders = sandbox.model.dynamoTableArn(REGION, 'orders');
    const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'dr-export-keyed');
    expect(run.status).toBe('SUCCEEDED');

    // Act
    const restored = await sandbox.restore(
      { resource: orders, latest: true, region: DR_REGION, name: 'orders-restored-dr' },
      'dr-export-keyed-restore',
    );

    // Assess
    expect([restored.status, restored.cause]).toEqual(['SUCCEEDED', undefined]);
    const table = sandbox.model.describeTable(DR_REGION, { TableName: 'orders-restored-dr' }).Table;
    expect(table.SSEDescription?.KMSMasterKeyArn).toMatch(new RegExp(`^arn:aws:kms:${DR_REGION}:`));
    expect(table.SSEDescription?.KMSMasterKeyArn).not.toBe(key.Arn);
    const record = await new RestoreStore(dynamoDocClient(), TABLE).get('dr-export-keyed-restore');
    expect(String(record?.shape?.notRestored)).toContain(`customer managed key ${key.Arn}`);
  });

  it('starts one DR export however often Start copies runs: a retry after a crash finds it by its client token', async () => {
    // Prepare
    const { bucket, clicks } = await estate();
    const saveCopies = StateStore.prototype.saveCopies;
    let crashed = false;
    const crash = jest.spyOn(StateStore.prototype, 'saveCopies').mockImplementation(async function (
      this: StateStore,
      ...args
    ) {
      if (!crashed && args[1] === clicks) {
        crashed = true;
        throw Object.assign(new Error('simulated crash after the export call'), { name: 'Lambda.Unknown' });
      }
      return saveCopies.apply(this, args);
    });

    // Act
    const run = await sandbox
      .run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'dr-export-retry')
      .finally(() => crash.mockRestore());

    // Assess
    expect(crashed).toBe(true);
    expect(run.status).toBe('SUCCEEDED');
    const drExports = sandbox.model.dynamoExports(REGION).filter((e) => e.S3Bucket === bucket);
    expect(drExports).toHaveLength(1);
    const record = await sandbox.store.getResource('dr-export-retry', clicks);
    expect(record?.copies?.[0]).toMatchObject({
      status: 'COMPLETED',
      ids: [drExports[0]?.ExportArn, expect.any(String)],
    });
  });

  it("starts one DR export when DynamoDB made it and lost the answer: the SDK's retry gets it back by its client token", async () => {
    // Prepare: the original export's answer and the copy's are lost (a 500 after the create).
    await sandbox.reset({
      config: { recovery: RECOVERY },
      model: { faults: { lostAnswers: { 'dynamodb:ExportTableToPointInTime': 2 } } },
    });
    const bucket = recoveryBucketName(sandbox.config.stackName, ACCOUNT, DR_REGION);
    sandbox.model.createBucket(DR_REGION, bucket);
    sandbox.model.addDynamoTable(REGION, { TableName: 'clicks', pitr: true, Tags: tagged('clicks', 'export') });
    const clicks = sandbox.model.dynamoTableArn(REGION, 'clicks');

    // Act
    const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'dr-export-lost');

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(sandbox.model.faults.lostAnswers?.['dynamodb:ExportTableToPointInTime']).toBe(0);
    const exports = sandbox.model.dynamoExports(REGION);
    expect(exports.filter((e) => e.S3Bucket === bucket)).toHaveLength(1);
    expect(exports).toHaveLength(2);
    const record = await sandbox.store.getResource('dr-export-lost', clicks);
    expect(record?.copies?.[0]).toMatchObject({ status: 'COMPLETED' });
  });

  it('says why an on-demand backup is not in the DR region, and why an export is not copied to a region with no recovery stack', async () => {
    // Prepare: no recovery regions configured, so no recovery bucket anywhere.
    const { clicks, sessions } = await estate({});

    // Act
    const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'dr-not-copied');

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const backup = await sandbox.store.getResource('dr-not-copied', sessions);
    const exported = await sandbox.store.getResource('dr-not-copied', clicks);
    expect(backup?.copies?.[0]).toMatchObject({ status: 'SKIPPED' });
    expect(backup?.copies?.[0]?.reason).toMatch(/only through AWS Backup/);
    expect(exported?.copies?.[0]).toMatchObject({ status: 'SKIPPED' });
    expect(exported?.copies?.[0]?.reason).toMatch(new RegExp(`${DR_REGION} is not a recovery region`));
    expect(sandbox.model.dynamoExports(REGION)).toHaveLength(1);
  });
});
