/**
 * shared/services/dynamodb/export-copy.ts through the table driver, against a mocked DynamoDB: the DR copy
 * of an export is a second export of the table at the original's ExportTime into the recovery bucket,
 * under the original's prefix, made and polled in the table's region, with one client token per run,
 * table and region; an on-demand backup and a region without a recovery stack are not copied, saying why;
 * the import of a DR copy reads its recorded location, asking nothing of the table's region.
 */
import {
  DescribeExportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  InvalidExportTimeException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { ResourceRef } from '../../../../shared/resource';
import type { CopyRequest } from '../../../../shared/services/driver';
import { dynamoTableDriver } from '../../../../shared/services/dynamodb/dynamodb-table';
import {
  BACKUP_NOT_COPIED,
  exportCopyClientToken,
  exportDataLocation,
  parseDataLocation,
} from '../../../../shared/services/dynamodb/export-copy';
import { dynamodbImportRestore } from '../../../../shared/services/dynamodb/table-import';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, ownershipValues, REGION } from '../../../support/unit-fixtures';

const ddb = mockedClient(DynamoDBClient);

const DR = 'us-west-2';
const BUCKET = `backuppipeline-dr-${ACCOUNT}-${DR}`;
const tableRef = (mode?: 'export'): ResourceRef => ({
  arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/clicks`,
  type: 'dynamodb-table',
  region: REGION,
  accountId: ACCOUNT,
  id: 'clicks',
  ...(mode ? { mode } : {}),
});
const exported = tableRef('export');
const ORIGINAL = `${exported.arn}/export/01700000000000-aaaaaaaa`;
const COPY = `${exported.arn}/export/01700000000500-bbbbbbbb`;
const PREFIX = 'dynamodb-exports/daily/clicks/run-1';
const EXPORT_TIME = new Date('2026-01-05T02:00:00Z');
const request = (resource: ResourceRef, recoveryBucket?: string): CopyRequest => ({
  resource,
  backupIds: [ORIGINAL],
  region: DR,
  kmsKeyId: undefined,
  tags: ownershipValues(resource),
  runId: 'run-1',
  ...(recoveryBucket ? { recoveryBucket } : {}),
});
const regionOf = async (call: { thisValue: unknown }) =>
  (call.thisValue as { config: { region: () => Promise<string> } }).config.region();

describe('DynamoDB export copies', () => {
  it("exports the table again at the original's ExportTime into the recovery bucket, under its prefix, in the table's region", async () => {
    // Prepare
    ddb.on(DescribeExportCommand, { ExportArn: ORIGINAL }).resolves({
      ExportDescription: { ExportArn: ORIGINAL, ExportStatus: 'COMPLETED', ExportTime: EXPORT_TIME, S3Prefix: PREFIX },
    });
    ddb.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: COPY } });

    // Act
    const copied = await dynamoTableDriver.copy?.(exported, request(exported, BUCKET));

    // Assess
    expect(copied).toEqual({ copyIds: [COPY, exportDataLocation(BUCKET, PREFIX, COPY)], reused: false });
    expect(exportDataLocation(BUCKET, PREFIX, COPY)).toBe(
      `s3://${BUCKET}/${PREFIX}/AWSDynamoDB/01700000000500-bbbbbbbb/data/`,
    );
    const [call] = ddb.commandCalls(ExportTableToPointInTimeCommand);
    expect(call?.args[0].input).toEqual({
      TableArn: exported.arn,
      ExportTime: EXPORT_TIME,
      S3Bucket: BUCKET,
      S3Prefix: PREFIX,
      ExportFormat: 'DYNAMODB_JSON',
      S3SseAlgorithm: 'AES256',
      ClientToken: exportCopyClientToken('run-1', exported.arn, DR),
    });
    expect(call && (await regionOf(call))).toBe(REGION);
  });

  it("gives each run, table and region its own client token, never the original export's", () => {
    const token = exportCopyClientToken('run-1', exported.arn, DR);
    expect(token).toHaveLength(36);
    expect(exportCopyClientToken('run-1', exported.arn, DR)).toBe(token);
    expect(exportCopyClientToken('run-2', exported.arn, DR)).not.toBe(token);
    expect(exportCopyClientToken('run-1', exported.arn, 'us-east-1')).not.toBe(token);
  });

  it('does not copy an on-demand backup (AWS copies those only through AWS Backup), nor into a region with no recovery stack', async () => {
    // Act
    const backup = await dynamoTableDriver.copy?.(tableRef(), request(tableRef(), BUCKET));
    const noStack = await dynamoTableDriver.copy?.(exported, request(exported));

    // Assess
    expect(backup).toEqual({ notCopied: BACKUP_NOT_COPIED });
    expect(dynamoTableDriver.notCopied?.(tableRef())).toBe(BACKUP_NOT_COPIED);
    expect(dynamoTableDriver.notCopied?.(exported)).toBeUndefined();
    expect(noStack).toEqual({ notCopied: expect.stringContaining(`${DR} is not a recovery region`) });
    expect(ddb.commandCalls(ExportTableToPointInTimeCommand)).toEqual([]);
  });

  it("refuses the copy when the original's point in time has left the PITR window", async () => {
    // Prepare
    ddb.on(DescribeExportCommand).resolves({
      ExportDescription: { ExportArn: ORIGINAL, ExportStatus: 'COMPLETED', ExportTime: EXPORT_TIME, S3Prefix: PREFIX },
    });
    ddb
      .on(ExportTableToPointInTimeCommand)
      .rejects(new InvalidExportTimeException({ message: 'outside the window', $metadata: {} }));

    // Act
    const copied = await dynamoTableDriver.copy?.(exported, request(exported, BUCKET));

    // Assess
    expect(copied).toEqual({ refused: expect.stringContaining('point-in-time recovery window') });
  });

  it("polls the DR export in the table's region", async () => {
    // Prepare
    ddb.on(DescribeExportCommand, { ExportArn: COPY }).resolves({
      ExportDescription: { ExportArn: COPY, ExportStatus: 'COMPLETED' },
    });

    // Act
    const checked = await dynamoTableDriver.checkCopy?.(exported, DR, [COPY, exportDataLocation(BUCKET, PREFIX, COPY)]);

    // Assess
    expect(checked).toEqual({ status: 'COMPLETED', progress: 100 });
    const [call] = ddb.commandCalls(DescribeExportCommand);
    expect(call && (await regionOf(call))).toBe(REGION);
  });

  it("imports a DR copy from its recorded location in the DR region's bucket, describing no export", async () => {
    // Prepare
    const location = exportDataLocation(BUCKET, PREFIX, COPY);
    ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
    ddb.on(ImportTableCommand).resolves({
      ImportTableDescription: {
        ImportArn: `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/clicks-restored-dr/import/1`,
        TableArn: `arn:aws:dynamodb:${DR}:${ACCOUNT}:table/clicks-restored-dr`,
      },
    });

    // Act
    const started = await dynamodbImportRestore.start({
      restoreId: 'r-1',
      region: DR,
      name: 'clicks-restored-dr',
      backupIds: [COPY, location],
      settings: {
        keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
        attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }],
        billingMode: 'PAY_PER_REQUEST',
        globalSecondaryIndexes: [],
        localSecondaryIndexes: [],
      },
    } as unknown as Parameters<typeof dynamodbImportRestore.start>[0]);

    // Assess
    expect(started.restoredIds[0]).toBe('clicks-restored-dr');
    expect(ddb.commandCalls(DescribeExportCommand)).toEqual([]);
    const [call] = ddb.commandCalls(ImportTableCommand);
    expect(call?.args[0].input.S3BucketSource).toEqual(parseDataLocation(location));
    expect(call?.args[0].input.S3BucketSource).toEqual({
      S3Bucket: BUCKET,
      S3KeyPrefix: `${PREFIX}/AWSDynamoDB/01700000000500-bbbbbbbb/data/`,
    });
    expect(call && (await regionOf(call))).toBe(DR);
  });
});
