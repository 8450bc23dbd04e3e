/**
 * shared/services/dynamodb/dynamodb-table.ts against a mocked DynamoDB: discovery (ListTables pages, each
 * table's tags and its mode tag), resolve, the backup mode (ownership in the name, a retry finds the
 * backup by name instead of creating a second), the export mode (the bucket, the tier's prefix, one
 * client token per run and table, no PITR = FAILED with the reason), check of both, and the store.
 */
import {
  CreateBackupCommand,
  DeleteBackupCommand,
  DescribeBackupCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ListBackupsCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PointInTimeRecoveryUnavailableException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { InvalidResourceStateError, ResourceNotFoundError, ThrottledError } from '../../../../shared/errors';
import type { ResourceRef } from '../../../../shared/resource';
import {
  dynamoBackupName,
  dynamoBackupStore,
  dynamoTableDriver,
  exportClientToken,
  parseBackupName,
} from '../../../../shared/services/dynamodb/dynamodb-table';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, ownershipValues, REGION, STACK } from '../../../support/unit-fixtures';

const ddb = mockedClient(DynamoDBClient);

const tableRef = (name = 'sessions', mode?: 'export'): ResourceRef => ({
  arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
  type: 'dynamodb-table',
  region: REGION,
  accountId: ACCOUNT,
  id: name,
  ...(mode ? { mode } : {}),
});
const table = tableRef();
const tags = ownershipValues(table);
const NAME = dynamoBackupName(tags);
const BACKUP_ARN = `${table.arn}/backup/01700000000000-abcdef12`;
const EXPORT_ARN = `${table.arn}/export/01700000000000-abcdef12`;
const start = (resource: ResourceRef, mayExist: boolean) =>
  dynamoTableDriver.start({ resource, runId: 'run-1', mayExist, tags, exportBucket: 'backups' });
const throttled = () =>
  Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {}, $fault: 'client' });

describe('dynamoBackupName / parseBackupName', () => {
  it('puts the stack, tier and expiry in a valid backup name and reads them back', () => {
    expect(NAME).toMatch(/^bp\.BackupPipeline\.daily\.20260112T020000Z\.[0-9a-f]{12}$/);
    expect(NAME).toMatch(/^[a-zA-Z0-9_.-]{3,255}$/);
    expect(parseBackupName(NAME)).toEqual({
      stackName: STACK,
      tier: 'daily',
      expiresAt: new Date('2026-01-12T02:00:00.000Z'),
      run: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(dynamoBackupName(ownershipValues(table, 'run-2'))).not.toBe(NAME);
  });

  it.each(['nightly-sessions', 'bp.Other', 'bp.a.b.c.d.e', undefined])('does not claim %p', (name) => {
    expect(parseBackupName(name)).toBeUndefined();
  });
});

describe('dynamoTableDriver.discover', () => {
  it('follows ListTables pages and every page of each table’s tags, keeping the tagged ones with their mode tag', async () => {
    // Prepare
    ddb
      .on(ListTablesCommand)
      .resolvesOnce({ TableNames: ['sessions', 'scratch'], LastEvaluatedTableName: 'scratch' })
      .resolvesOnce({ TableNames: ['clicks'] });
    ddb
      .on(ListTagsOfResourceCommand, { ResourceArn: tableRef('sessions').arn })
      .resolves({ Tags: [{ Key: 'backup', Value: 'true' }] });
    ddb.on(ListTagsOfResourceCommand, { ResourceArn: tableRef('scratch').arn }).resolves({ Tags: [] });
    ddb
      .on(ListTagsOfResourceCommand, { ResourceArn: tableRef('clicks').arn })
      .resolvesOnce({ Tags: [{ Key: 'backup-pipeline:mode', Value: 'export' }], NextToken: 't2' })
      .resolvesOnce({ Tags: [{ Key: 'backup', Value: 'true' }] });
    ddb.on(DescribeTableCommand).resolves({ Table: {} });

    // Act
    const found = await dynamoTableDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess: only the selected tables are described (for their restore settings).
    expect(found).toEqual([
      { ref: tableRef('sessions'), resourceTags: [{ Key: 'backup', Value: 'true' }] },
      {
        ref: tableRef('clicks'),
        modeTag: 'export',
        resourceTags: [
          { Key: 'backup-pipeline:mode', Value: 'export' },
          { Key: 'backup', Value: 'true' },
        ],
      },
    ]);
    expect(ddb).toHaveReceivedCommandWith(ListTablesCommand, { ExclusiveStartTableName: 'scratch' });
    expect(ddb).toHaveReceivedCommandTimes(DescribeTableCommand, 2);
    expect(ddb).not.toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'scratch' });
  });

  it("retries a throttled table's tag lookup alone, without reading the other tables' tags again", async () => {
    // Prepare
    ddb.on(ListTablesCommand).resolves({ TableNames: ['sessions', 'clicks'] });
    ddb
      .on(ListTagsOfResourceCommand, { ResourceArn: tableRef('sessions').arn })
      .resolves({ Tags: [{ Key: 'backup', Value: 'true' }] });
    ddb
      .on(ListTagsOfResourceCommand, { ResourceArn: tableRef('clicks').arn })
      .rejectsOnce(throttled())
      .resolves({ Tags: [{ Key: 'backup', Value: 'true' }] });
    ddb.on(DescribeTableCommand).resolves({ Table: {} });

    // Act
    const found = await dynamoTableDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found).toEqual([
      { ref: tableRef('sessions'), resourceTags: [{ Key: 'backup', Value: 'true' }] },
      { ref: tableRef('clicks'), resourceTags: [{ Key: 'backup', Value: 'true' }] },
    ]);
    expect(ddb).toHaveReceivedCommandTimes(ListTagsOfResourceCommand, 3);
    expect(ddb).toHaveReceivedCommandTimes(ListTablesCommand, 1);
  });

  it('throws ThrottledError when listing is throttled', async () => {
    ddb.on(ListTablesCommand).rejects(throttled());
    await expect(dynamoTableDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).rejects.toThrow(ThrottledError);
  });
});

describe('dynamoTableDriver.resolve', () => {
  it('resolves an existing table with its mode tag', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { TableName: 'sessions' } });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: 'backup-pipeline:mode', Value: 'backup' }] });
    await expect(dynamoTableDriver.resolve(table)).resolves.toEqual({
      ref: table,
      modeTag: 'backup',
      resourceTags: [{ Key: 'backup-pipeline:mode', Value: 'backup' }],
    });
  });

  it('throws ResourceNotFoundError naming the table when it does not exist', async () => {
    ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    await expect(dynamoTableDriver.resolve(table)).rejects.toThrow(ResourceNotFoundError);
    await expect(dynamoTableDriver.resolve(table)).rejects.toThrow(`DynamoDB table sessions not found in ${REGION}`);
  });
});

describe('dynamoTableDriver.start (backup mode)', () => {
  it('creates one on-demand backup under the ownership name, with no lookup first, reporting its size', async () => {
    ddb
      .on(CreateBackupCommand)
      .resolves({ BackupDetails: { BackupArn: BACKUP_ARN, BackupSizeBytes: 3 * 1024 ** 3 } as never });
    await expect(start(table, false)).resolves.toEqual({ backupIds: [BACKUP_ARN], reused: false, sizeGiB: 3 });
    expect(ddb).toHaveReceivedCommandWith(CreateBackupCommand, { TableName: 'sessions', BackupName: NAME });
    expect(ddb).toHaveReceivedCommandTimes(ListBackupsCommand, 0);
  });

  it('on a retry finds the backup an earlier attempt created (across pages) and creates none', async () => {
    ddb
      .on(ListBackupsCommand)
      .resolvesOnce({
        BackupSummaries: [{ BackupArn: 'other', BackupName: 'manual' }],
        LastEvaluatedBackupArn: 'other',
      })
      .resolvesOnce({ BackupSummaries: [{ BackupArn: BACKUP_ARN, BackupName: NAME }] });
    await expect(start(table, true)).resolves.toEqual({ backupIds: [BACKUP_ARN], reused: true });
    expect(ddb).toHaveReceivedCommandTimes(CreateBackupCommand, 0);
    expect(ddb).toHaveReceivedCommandWith(ListBackupsCommand, { TableName: 'sessions', BackupType: 'USER' });
  });

  it('on a retry creates the backup when no earlier attempt did', async () => {
    ddb.on(ListBackupsCommand).resolves({ BackupSummaries: [] });
    ddb.on(CreateBackupCommand).resolves({ BackupDetails: { BackupArn: BACKUP_ARN } as never });
    await expect(start(table, true)).resolves.toEqual({ backupIds: [BACKUP_ARN], reused: false });
  });
});

describe('dynamoTableDriver.start (export mode)', () => {
  const exporting = tableRef('sessions', 'export');

  it('exports into the backup bucket under the tier prefix with a client token per run and table', async () => {
    ddb.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN } });
    await expect(start(exporting, false)).resolves.toEqual({ backupIds: [EXPORT_ARN], reused: false });
    expect(ddb).toHaveReceivedCommandWith(ExportTableToPointInTimeCommand, {
      TableArn: exporting.arn,
      S3Bucket: 'backups',
      S3Prefix: 'dynamodb-exports/daily/sessions/run-1',
      ExportFormat: 'DYNAMODB_JSON',
      ClientToken: exportClientToken('run-1', exporting.arn),
    });
    expect(exportClientToken('run-2', exporting.arn)).not.toBe(exportClientToken('run-1', exporting.arn));
  });

  it('sends the same client token on a retry, so DynamoDB returns the export already started', async () => {
    ddb.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN } });
    await start(exporting, false);
    await expect(start(exporting, true)).resolves.toEqual({ backupIds: [EXPORT_ARN], reused: true });
    const tokens = ddb.commandCalls(ExportTableToPointInTimeCommand).map((c) => c.args[0].input.ClientToken);
    expect(new Set(tokens).size).toBe(1);
  });

  it('fails a table without point-in-time recovery with that reason, as InvalidResourceStateError', async () => {
    ddb
      .on(ExportTableToPointInTimeCommand)
      .rejects(new PointInTimeRecoveryUnavailableException({ message: 'PITR off', $metadata: {} }));
    const attempt = start(exporting, false);
    await expect(attempt).rejects.toThrow(InvalidResourceStateError);
    await expect(attempt).rejects.toThrow(/has no point-in-time recovery, which export needs/);
  });

  it('refuses to export without a bucket rather than write somewhere else', async () => {
    await expect(
      dynamoTableDriver.start({ resource: exporting, runId: 'run-1', mayExist: false, tags }),
    ).rejects.toThrow(/BACKUP_BUCKET/);
    expect(ddb).toHaveReceivedCommandTimes(ExportTableToPointInTimeCommand, 0);
  });
});

describe('dynamoTableDriver.check', () => {
  it.each([
    ['CREATING', { status: 'CREATING', progress: undefined }],
    ['AVAILABLE', { status: 'COMPLETED', progress: 100 }],
    ['DELETED', { status: 'FAILED', reason: `DynamoDB backup ${BACKUP_ARN} is DELETED` }],
  ] as const)('reads backup status %s', async (status, expected) => {
    ddb.on(DescribeBackupCommand).resolves({ BackupDescription: { BackupDetails: { BackupStatus: status } as never } });
    await expect(dynamoTableDriver.check(table, [BACKUP_ARN])).resolves.toEqual(expected);
  });

  it.each([
    [{ ExportStatus: 'IN_PROGRESS' }, { status: 'CREATING', progress: undefined }],
    [{ ExportStatus: 'COMPLETED' }, { status: 'COMPLETED', progress: 100 }],
    [
      { ExportStatus: 'FAILED', FailureCode: 'S3AccessDenied', FailureMessage: 'denied' },
      { status: 'FAILED', reason: `DynamoDB export ${EXPORT_ARN} failed: S3AccessDenied: denied` },
    ],
  ] as const)('reads export %p', async (description, expected) => {
    ddb.on(DescribeExportCommand).resolves({ ExportDescription: description });
    await expect(dynamoTableDriver.check(table, [EXPORT_ARN])).resolves.toEqual(expected);
    expect(ddb).toHaveReceivedCommandTimes(DescribeBackupCommand, 0);
  });

  it('reports FAILED when the backup disappeared', async () => {
    ddb
      .on(DescribeBackupCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'BackupNotFoundException', $metadata: {} }));
    await expect(dynamoTableDriver.check(table, [BACKUP_ARN])).resolves.toEqual({
      status: 'FAILED',
      reason: `DynamoDB backup ${BACKUP_ARN} disappeared`,
    });
  });
});

describe('dynamoBackupStore', () => {
  it('lists only backups whose name says this stack made them, with tier, expiry and source', async () => {
    // Prepare
    const created = new Date('2026-01-05T02:00:00Z');
    ddb.on(ListBackupsCommand).resolves({
      BackupSummaries: [
        {
          BackupArn: BACKUP_ARN,
          BackupName: NAME,
          TableArn: table.arn,
          BackupStatus: 'AVAILABLE',
          BackupCreationDateTime: created,
        },
        {
          BackupArn: 'foreign',
          BackupName: dynamoBackupName({ ...tags, stackName: 'Other' }),
          BackupStatus: 'AVAILABLE',
        },
        { BackupArn: 'manual', BackupName: 'before-migration', BackupStatus: 'AVAILABLE' },
      ],
    });

    // Act
    const owned = await dynamoBackupStore.listOwned(REGION, STACK);

    // Assess
    expect(owned).toEqual([
      {
        kind: 'dynamodb-backup',
        id: BACKUP_ARN,
        region: REGION,
        source: table.arn,
        tier: 'daily',
        runId: expect.any(String),
        managedBy: STACK,
        createdAt: created,
        expiresAt: new Date('2026-01-12T02:00:00.000Z'),
        complete: true,
        heldBy: [],
      },
    ]);
    expect(ddb).toHaveReceivedCommandWith(ListBackupsCommand, { BackupType: 'USER' });
  });

  it('names a backup by the stack at its home region, and tells same-named stacks of two regions apart', async () => {
    // Prepare: managed-by values qualified by the home region (names allow no `@`).
    const home = `${STACK}@${REGION}`;
    const name = (owner: string) => dynamoBackupName({ ...tags, stackName: owner });
    ddb.on(ListBackupsCommand).resolves({
      BackupSummaries: [
        { BackupArn: 'ours', BackupName: name(home), TableArn: table.arn, BackupStatus: 'AVAILABLE' },
        { BackupArn: 'theirs', BackupName: name(`${STACK}@us-east-1`), TableArn: table.arn, BackupStatus: 'AVAILABLE' },
        { BackupArn: 'older', BackupName: NAME, TableArn: table.arn, BackupStatus: 'AVAILABLE' },
      ],
    });

    // Act
    const elsewhere = await dynamoBackupStore.listOwned(REGION, [home]);
    const atHome = await dynamoBackupStore.listOwned(REGION, [home, STACK]);

    // Assess
    expect(name(home)).toMatch(/^bp\.BackupPipeline_eu-west-1\.daily\./);
    expect(elsewhere.map((b) => [b.id, b.managedBy])).toEqual([['ours', home]]);
    expect(atHome.map((b) => [b.id, b.managedBy])).toEqual([
      ['ours', home],
      ['older', STACK],
    ]);
  });

  it('deletes by backup ARN', async () => {
    ddb.on(DeleteBackupCommand).resolves({});
    const [backup] = await (async () => {
      ddb.on(ListBackupsCommand).resolves({
        BackupSummaries: [{ BackupArn: BACKUP_ARN, BackupName: NAME, TableArn: table.arn, BackupStatus: 'AVAILABLE' }],
      });
      return dynamoBackupStore.listOwned(REGION, STACK);
    })();
    await dynamoBackupStore.delete(backup as never);
    expect(ddb).toHaveReceivedCommandWith(DeleteBackupCommand, { BackupArn: BACKUP_ARN });
  });
});
