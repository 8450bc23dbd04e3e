/**
 * shared/services/dynamodb/table-import.ts against a mocked DynamoDB: ImportTable from the export's data
 * folder with the recorded table definition and a client token from the restore id, then the restore
 * tags; a taken name refused; check via the import, then the table; remove only with proof.
 */
import {
  DeleteTableCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ImportTableCommand,
  ListImportsCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import { dynamodbImportRestore } from '../../../../shared/services/dynamodb/table-import';
import { type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, namedError, REGION } from '../../../support/unit-fixtures';

const ddb = mockedClient(DynamoDBClient);

const OWNER = 'BackupPipeline@eu-west-1';
const EXPORT = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/export/01700000000000-abcd`;
const IMPORT = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders-restored-1/import/01700000000001-ef01`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders-restored-1`;
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: [EXPORT],
  name: 'orders-restored-1',
  settings: {
    keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
    attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
    billingMode: 'PAY_PER_REQUEST',
  },
  tags: {
    restoredBy: OWNER,
    restoreId: 'restore-1',
    sourceArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders',
    backupId: EXPORT,
    drill: true,
  },
  ...extra,
});
const notFound = () => namedError('ResourceNotFoundException');

describe('dynamodbImportRestore.start', () => {
  it("imports the export's data with the recorded definition, tagging nothing while the table is created", async () => {
    // Prepare
    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(DescribeExportCommand).resolves({
      ExportDescription: {
        ExportArn: EXPORT,
        ExportStatus: 'COMPLETED',
        S3Bucket: 'backup-bucket',
        ExportManifest: 'dynamodb-exports/daily/orders/run-1/AWSDynamoDB/01700000000000-abcd/manifest-summary.json',
      },
    });
    ddb.on(ImportTableCommand).resolves({ ImportTableDescription: { ImportArn: IMPORT, TableArn: TABLE_ARN } });
    ddb.on(TagResourceCommand).resolves({});

    // Act
    const started = await dynamodbImportRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['orders-restored-1', IMPORT], reused: false });
    expect(ddb).toHaveReceivedCommandWith(ImportTableCommand, {
      ClientToken: 'restore-1',
      S3BucketSource: {
        S3Bucket: 'backup-bucket',
        S3KeyPrefix: 'dynamodb-exports/daily/orders/run-1/AWSDynamoDB/01700000000000-abcd/data/',
      },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: 'orders-restored-1',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    });
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('refuses a name in use before anything is made, and AWS refusing it (ResourceInUseException)', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { TableName: 'orders-restored-1', TableArn: TABLE_ARN } });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    // An import of that table exists, but not with this restore's client token.
    ddb.on(ListImportsCommand).resolves({ ImportSummaryList: [{ ImportArn: IMPORT }] });
    ddb.on(DescribeImportCommand).resolves({ ImportTableDescription: { ClientToken: 'someone-else' } });
    await expect(dynamodbImportRestore.start(request())).rejects.toThrow(NameInUseError);
    expect(ddb).toHaveReceivedCommandTimes(ImportTableCommand, 0);

    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(DescribeExportCommand).resolves({
      ExportDescription: { ExportStatus: 'COMPLETED', S3Bucket: 'b', ExportManifest: 'p/manifest-summary.json' },
    });
    ddb.on(ImportTableCommand).rejects(namedError('ResourceInUseException'));
    await expect(dynamodbImportRestore.start(request())).rejects.toThrow(NameInUseError);
  });

  it('refuses an export that is not completed', async () => {
    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(DescribeExportCommand).resolves({ ExportDescription: { ExportStatus: 'IN_PROGRESS' } });
    await expect(dynamodbImportRestore.start(request())).rejects.toThrow(InvalidResourceStateError);
    expect(ddb).toHaveReceivedCommandTimes(ImportTableCommand, 0);
  });
});

describe('dynamodbImportRestore.start on a retry', () => {
  it('on a retry adopts the table its own import (same client token) is creating, tagging nothing yet', async () => {
    ddb
      .on(DescribeTableCommand)
      .resolves({ Table: { TableName: 'orders-restored-1', TableArn: TABLE_ARN, TableStatus: 'CREATING' } });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    ddb.on(ListImportsCommand).resolves({ ImportSummaryList: [{ ImportArn: IMPORT }] });
    ddb.on(DescribeImportCommand).resolves({ ImportTableDescription: { ClientToken: 'restore-1' } });
    ddb.on(TagResourceCommand).resolves({});
    await expect(dynamodbImportRestore.start(request())).resolves.toEqual({
      restoredIds: ['orders-restored-1', IMPORT],
      reused: true,
    });
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(ImportTableCommand, 0);
  });
});

describe('dynamodbImportRestore.check and remove', () => {
  it('reports RESTORING while importing, then AVAILABLE with the table shape and import errors', async () => {
    ddb
      .on(DescribeImportCommand)
      .resolvesOnce({ ImportTableDescription: { ImportStatus: 'IN_PROGRESS' } })
      .resolves({ ImportTableDescription: { ImportStatus: 'COMPLETED', ErrorCount: 0 } });
    ddb.on(DescribeTableCommand).resolves({
      Table: {
        TableStatus: 'ACTIVE',
        ItemCount: 10,
        TableSizeBytes: 400,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      },
    });
    await expect(dynamodbImportRestore.check(REGION, ['orders-restored-1', IMPORT])).resolves.toEqual({
      status: 'RESTORING',
      state: 'importing',
    });
    await expect(dynamodbImportRestore.check(REGION, ['orders-restored-1', IMPORT])).resolves.toMatchObject({
      status: 'AVAILABLE',
      shape: { tableName: 'orders-restored-1', itemCount: 10, keySchema: 'pk HASH', importErrors: 0 },
    });
  });

  it('reports FAILED with the reason when the import failed', async () => {
    ddb.on(DescribeImportCommand).resolves({
      ImportTableDescription: { ImportStatus: 'FAILED', FailureCode: 'S3NoSuchKey', FailureMessage: 'no data' },
    });
    await expect(dynamodbImportRestore.check(REGION, ['orders-restored-1', IMPORT])).resolves.toEqual({
      status: 'FAILED',
      reason: 'import of orders-restored-1 is FAILED: S3NoSuchKey: no data',
    });
  });

  it('deletes an untagged table only when the recorded import, with this restore’s client token, made it (tagging it first)', async () => {
    const context = { tags: request().tags, settings: {}, backupIds: [EXPORT], startedAt: '2026-11-02T00:00:00Z' };
    ddb
      .on(DescribeTableCommand)
      .resolves({ Table: { TableName: 'orders-restored-1', TableArn: TABLE_ARN, TableStatus: 'ACTIVE' } });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    ddb
      .on(DescribeImportCommand)
      .resolves({ ImportTableDescription: { TableArn: `${TABLE_ARN}-other`, ClientToken: 'restore-1' } });
    await expect(dynamodbImportRestore.remove(REGION, ['orders-restored-1', IMPORT], OWNER, context)).rejects.toThrow(
      InvalidResourceStateError,
    );
    ddb
      .on(DescribeImportCommand)
      .resolves({ ImportTableDescription: { TableArn: TABLE_ARN, ClientToken: 'restore-1' } });
    ddb.on(TagResourceCommand).resolves({});
    await expect(dynamodbImportRestore.remove(REGION, ['orders-restored-1', IMPORT], OWNER, context)).resolves.toBe(
      'deleting',
    );
    expect(ddb).toHaveReceivedCommandWith(TagResourceCommand, {
      ResourceArn: TABLE_ARN,
      Tags: restoreTags(request().tags),
    });
    expect(ddb).toHaveReceivedCommandTimes(DeleteTableCommand, 1);
  });
});
