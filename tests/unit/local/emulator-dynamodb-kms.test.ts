/**
 * DynamoDB tables under a customer managed key, through the real DynamoDBClient: DescribeTable shows the
 * key (SSEDescription), an on-demand backup keeps it, and RestoreTableFromBackup / ImportTable make the
 * new table under it only when DynamoDB may use it for the caller: the key exists in the region, is
 * enabled, and the caller's policy allows each action DynamoDB performs with it through
 * `dynamodb.<region>.amazonaws.com`. A refusal is synchronous and leaves no table: ValidationException
 * for a disabled or missing key, AccessDeniedException for one the caller may not use.
 */
import {
  CreateBackupCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  ImportTableCommand,
  RestoreTableFromBackupCommand,
} from '@aws-sdk/client-dynamodb';
import type { KeyUse } from '../../../local/model';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const emu = useEmulator((config) => new DynamoDBClient(config));
const { model, advance } = emu;
const REGION = EMULATOR_REGION;
const failure = (call: Promise<unknown>) => serviceFailure(call, DynamoDBServiceException, 'a DynamoDB');
const describe_ = (TableName: string) => emu.client().send(new DescribeTableCommand({ TableName }));

/** An authorizer that records each use and refuses the actions named. */
function authorize(refuse: string[] = []) {
  const uses: KeyUse[] = [];
  model.setKeyUseAuthorizer((use) => {
    uses.push(use);
    return !refuse.includes(use.action);
  });
  return uses;
}

let n = 0;
/** A table under a new customer managed key, and an AVAILABLE on-demand backup of it. */
async function keyedTableWithBackup() {
  n += 1;
  const key = model.addKmsKey(REGION, { alias: `orders-data-${n}` });
  model.addDynamoTable(REGION, { TableName: `orders-${n}`, kmsKeyId: `alias/orders-data-${n}`, pitr: true });
  const backup = await emu
    .client()
    .send(new CreateBackupCommand({ TableName: `orders-${n}`, BackupName: `orders-${n}-b` }));
  advance(3600);
  return { key, table: `orders-${n}`, backupArn: backup.BackupDetails?.BackupArn ?? '' };
}

const restore = (backupArn: string, TargetTableName: string) =>
  emu.client().send(new RestoreTableFromBackupCommand({ TargetTableName, BackupArn: backupArn }));

describe('DynamoDB tables under a customer managed key', () => {
  afterEach(() => model.setKeyUseAuthorizer(() => true));

  it('shows the key a table is encrypted with (SSEDescription), and none for an AWS owned key', async () => {
    // Prepare
    const { key, table } = await keyedTableWithBackup();
    model.addDynamoTable(REGION, { TableName: 'plain-table' });

    // Act
    const keyed = await describe_(table);
    const plain = await describe_('plain-table');

    // Assess
    expect(keyed.Table?.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key.Arn });
    expect(plain.Table?.SSEDescription).toBeUndefined();
  });

  it("restores a backup under the table's key, as far as the caller may use it through DynamoDB of the region", async () => {
    // Prepare
    const { key, backupArn } = await keyedTableWithBackup();
    const uses = authorize();

    // Act
    await restore(backupArn, 'orders-restored-1');
    const restored = await describe_('orders-restored-1');

    // Assess
    expect(restored.Table?.SSEDescription).toMatchObject({ SSEType: 'KMS', KMSMasterKeyArn: key.Arn });
    expect(new Set(uses.map((u) => u.action))).toEqual(
      new Set([
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ]),
    );
    for (const use of uses)
      expect(use).toMatchObject({
        region: REGION,
        keyArn: key.Arn,
        keys: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` },
      });
    expect(uses.find((u) => u.action === 'kms:CreateGrant')?.keys['kms:GrantIsForAWSResource']).toBe('true');
  });

  it('refuses a restore under a key refused to the caller (AccessDeniedException), disabled or gone (ValidationException), leaving no table', async () => {
    // Prepare
    const refused = await keyedTableWithBackup();
    const disabled = await keyedTableWithBackup();
    model.disableKmsKey(REGION, disabled.key.KeyId);
    authorize(['kms:GenerateDataKey']);

    // Act
    const denied = await failure(restore(refused.backupArn, 'orders-restored-denied'));
    const off = await failure(restore(disabled.backupArn, 'orders-restored-off'));
    const missing = await failure(
      emu.client().send(
        new RestoreTableFromBackupCommand({
          TargetTableName: 'orders-restored-missing',
          BackupArn: refused.backupArn,
          SSESpecificationOverride: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/no-such-key' },
        }),
      ),
    );

    // Assess
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/^KMS key access denied error: .*kms:GenerateDataKey/);
    expect(off.name).toBe('ValidationException');
    expect(off.message).toMatch(/^KMS key disabled error: .*is disabled/);
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toMatch(/^KMS validation error: .*alias\/no-such-key/);
    for (const name of ['orders-restored-denied', 'orders-restored-off', 'orders-restored-missing'])
      expect(model.hasDynamoTable(REGION, name)).toBe(false);
  });

  it('imports under the key its SSESpecification names, refusing a disabled one before any table is made', async () => {
    // Prepare
    const { key, table } = await keyedTableWithBackup();
    model.createBucket(REGION, `exports-${n}`);
    const { ExportDescription } = model.exportTableToPointInTime(REGION, {
      TableArn: model.dynamoTableArn(REGION, table),
      S3Bucket: `exports-${n}`,
    });
    advance(6 * 3600);
    const prefix = (ExportDescription.ExportManifest ?? '').replace(/manifest-summary\.json$/, 'data/');
    const importAs = (TableName: string) =>
      emu.client().send(
        new ImportTableCommand({
          S3BucketSource: { S3Bucket: `exports-${n}`, S3KeyPrefix: prefix },
          InputFormat: 'DYNAMODB_JSON',
          TableCreationParameters: {
            TableName,
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
            SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key.Arn },
          },
        }),
      );
    const uses = authorize();

    // Act
    await importAs('orders-imported');
    const imported = await describe_('orders-imported');
    model.disableKmsKey(REGION, key.Arn);
    const off = await failure(importAs('orders-imported-off'));

    // Assess
    expect(imported.Table?.SSEDescription).toMatchObject({ SSEType: 'KMS', KMSMasterKeyArn: key.Arn });
    expect(uses.map((u) => u.keys['kms:ViaService'])).toContain(`dynamodb.${REGION}.amazonaws.com`);
    expect(off.name).toBe('ValidationException');
    expect(off.message).toMatch(/is disabled/);
    expect(model.hasDynamoTable(REGION, 'orders-imported-off')).toBe(false);
  });
});
