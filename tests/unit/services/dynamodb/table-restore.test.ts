/**
 * shared/services/dynamodb/table-restore.ts against a mocked DynamoDB: start (RestoreTableFromBackup under
 * the name, then the restore tags as soon as the ARN is known; a retry finds its table by its tags, or
 * adopts and tags an untagged one restored from this very backup; a taken name is refused before
 * anything is made, and when AWS refuses it), check (CREATING, ACTIVE with its shape), and remove (only
 * what this stack restored, or an untagged table proven restored from this stack's backup).
 */
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  RestoreTableFromBackupCommand,
  type TableDescription,
  TagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import { dynamodbBackupRestore } from '../../../../shared/services/dynamodb/table-restore';
import { RESTORE_TAG, type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, namedError, REGION } from '../../../support/unit-fixtures';

const ddb = mockedClient(DynamoDBClient);

const OWNER = 'BackupPipeline@eu-west-1';
const BACKUP = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/sessions/backup/01700000000000-abcdef12`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/sessions-restored-1`;
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: [BACKUP],
  name: 'sessions-restored-1',
  settings: {},
  tags: {
    restoredBy: OWNER,
    restoreId: 'restore-1',
    sourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/sessions`,
    backupId: BACKUP,
    drill: true,
  },
  ...extra,
});
const table = (extra: Partial<TableDescription> = {}): TableDescription => ({
  TableName: 'sessions-restored-1',
  TableArn: TABLE_ARN,
  TableStatus: 'ACTIVE',
  ...extra,
});
const notFound = () => namedError('ResourceNotFoundException');

describe('dynamodbBackupRestore.start', () => {
  it('restores the backup under the name, tagging nothing while the table is created', async () => {
    // Prepare
    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(RestoreTableFromBackupCommand).resolves({ TableDescription: table({ TableStatus: 'CREATING' }) });
    ddb.on(TagResourceCommand).resolves({});

    // Act
    const started = await dynamodbBackupRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['sessions-restored-1'], reused: false });
    expect(ddb).toHaveReceivedCommandWith(RestoreTableFromBackupCommand, {
      TargetTableName: 'sessions-restored-1',
      BackupArn: BACKUP,
    });
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('refuses a name that does not carry "-restored-" before any call (start-restore may write only to such tables)', async () => {
    // Act
    const error = await dynamodbBackupRestore.start(request({ name: 'sessions' })).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError', fields: ['name'] });
    expect(ddb).toHaveReceivedCommandTimes(DescribeTableCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(RestoreTableFromBackupCommand, 0);
  });

  it('refuses a name in use before anything is made', async () => {
    // Prepare
    ddb.on(DescribeTableCommand).resolves({ Table: table() });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'web' }] });

    // Act
    const error = await dynamodbBackupRestore.start(request()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NameInUseError);
    expect(ddb).toHaveReceivedCommandTimes(RestoreTableFromBackupCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it.each(['TableAlreadyExistsException', 'TableInUseException'])(
    'maps AWS refusing the name (%s, a table made since the lookup) to NameInUseError',
    async (code) => {
      ddb.on(DescribeTableCommand).rejects(notFound());
      ddb.on(RestoreTableFromBackupCommand).rejects(namedError(code));
      await expect(dynamodbBackupRestore.start(request())).rejects.toThrow(NameInUseError);
      expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    },
  );

  it('adopts the table its own call made when the answer was lost and the SDK retry finds the name taken', async () => {
    // Prepare
    ddb
      .on(DescribeTableCommand)
      .rejectsOnce(notFound())
      .resolves({
        Table: table({
          TableStatus: 'CREATING',
          RestoreSummary: { SourceBackupArn: BACKUP, RestoreInProgress: true, RestoreDateTime: new Date() },
        }),
      });
    ddb.on(RestoreTableFromBackupCommand).rejects(namedError('TableAlreadyExistsException'));

    // Act
    const started = await dynamodbBackupRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['sessions-restored-1'], reused: true });
  });

  it('on a retry finds the table this restore tagged and makes nothing', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: table({ TableStatus: 'ACTIVE' }) });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: restoreTags(request().tags) });
    await expect(dynamodbBackupRestore.start(request())).resolves.toEqual({
      restoredIds: ['sessions-restored-1'],
      reused: true,
    });
    expect(ddb).toHaveReceivedCommandTimes(RestoreTableFromBackupCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('on a retry adopts the table being restored from this very backup, reading no tags (DynamoDB shows none yet)', async () => {
    // Prepare
    ddb.on(DescribeTableCommand).resolves({
      Table: table({
        TableStatus: 'CREATING',
        RestoreSummary: { SourceBackupArn: BACKUP, RestoreInProgress: true, RestoreDateTime: new Date() },
      }),
    });

    // Act
    const started = await dynamodbBackupRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['sessions-restored-1'], reused: true });
    expect(ddb).toHaveReceivedCommandTimes(ListTagsOfResourceCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(RestoreTableFromBackupCommand, 0);
  });

  it("refuses an untagged table restored from another backup, and one carrying another restore's tags", async () => {
    ddb.on(DescribeTableCommand).resolves({
      Table: table({
        RestoreSummary: { SourceBackupArn: `${BACKUP}-other`, RestoreInProgress: false, RestoreDateTime: new Date() },
      }),
    });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    await expect(dynamodbBackupRestore.start(request())).rejects.toThrow(NameInUseError);

    ddb.on(DescribeTableCommand).resolves({
      Table: table({
        RestoreSummary: { SourceBackupArn: BACKUP, RestoreInProgress: false, RestoreDateTime: new Date() },
      }),
    });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: RESTORE_TAG.restoreId, Value: 'restore-0' }] });
    await expect(dynamodbBackupRestore.start(request())).rejects.toThrow(NameInUseError);
    expect(ddb).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });
});

describe('dynamodbBackupRestore.check', () => {
  it('reports RESTORING while the table is created, then AVAILABLE with item count, size and key schema', async () => {
    ddb
      .on(DescribeTableCommand)
      .resolvesOnce({ Table: table({ TableStatus: 'CREATING' }) })
      .resolves({
        Table: table({
          ItemCount: 1200,
          TableSizeBytes: 48000,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        }),
      });
    await expect(dynamodbBackupRestore.check(REGION, ['sessions-restored-1'])).resolves.toEqual({
      status: 'RESTORING',
      state: 'creating',
    });
    await expect(dynamodbBackupRestore.check(REGION, ['sessions-restored-1'])).resolves.toEqual({
      status: 'AVAILABLE',
      shape: {
        tableName: 'sessions-restored-1',
        itemCount: 1200,
        sizeBytes: 48000,
        keySchema: 'pk HASH, sk RANGE',
        billingMode: 'PAY_PER_REQUEST',
      },
    });
  });

  it('reports FAILED for a table that is gone', async () => {
    ddb.on(DescribeTableCommand).rejects(notFound());
    await expect(dynamodbBackupRestore.check(REGION, ['sessions-restored-1'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'restored DynamoDB table sessions-restored-1 is gone',
    });
  });
});

describe('dynamodbBackupRestore.remove', () => {
  it('deletes a table carrying this stack’s restored-by tag, then reports it gone', async () => {
    ddb.on(DescribeTableCommand).resolvesOnce({ Table: table() });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: restoreTags(request().tags) });
    ddb.on(DeleteTableCommand).resolves({});
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER)).resolves.toBe('deleting');
    expect(ddb).toHaveReceivedCommandWith(DeleteTableCommand, { TableName: 'sessions-restored-1' });

    ddb.on(DescribeTableCommand).rejects(notFound());
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER)).resolves.toBe('gone');
  });

  it('never deletes a table restored by another stack or not restored at all', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: table() });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: RESTORE_TAG.restoredBy, Value: 'Other@us-east-1' }] });
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER)).rejects.toThrow(
      InvalidResourceStateError,
    );
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER)).rejects.toThrow(
      'DynamoDB table sessions-restored-1 was not restored by BackupPipeline@eu-west-1: not deleted',
    );
    expect(ddb).toHaveReceivedCommandTimes(DeleteTableCommand, 0);
  });

  it('deletes an untagged table only when this restore made it: from its backup, created since it started (tagged first)', async () => {
    // Prepare
    const context = { tags: request().tags, settings: {}, backupIds: [BACKUP], startedAt: '2026-11-02T10:00:00Z' };
    const restoredAt = (iso: string, backup = BACKUP) =>
      table({
        CreationDateTime: new Date(iso),
        RestoreSummary: { SourceBackupArn: backup, RestoreInProgress: false, RestoreDateTime: new Date() },
      });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    ddb.on(TagResourceCommand).resolves({});
    ddb.on(DeleteTableCommand).resolves({});
    const remove = () => dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context);

    // Act / Assess: another backup's table, one made before the restore started, and one without a record are refused.
    ddb.on(DescribeTableCommand).resolves({ Table: restoredAt('2026-11-02T10:05:00Z', `${BACKUP}-other`) });
    await expect(remove()).rejects.toThrow(InvalidResourceStateError);
    ddb.on(DescribeTableCommand).resolves({ Table: restoredAt('2026-11-01T10:05:00Z') });
    await expect(remove()).rejects.toThrow(InvalidResourceStateError);
    ddb.on(DescribeTableCommand).resolves({ Table: restoredAt('2026-11-02T10:05:00Z') });
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER)).rejects.toThrow(
      InvalidResourceStateError,
    );
    expect(ddb).toHaveReceivedCommandTimes(DeleteTableCommand, 0);
    await expect(remove()).resolves.toBe('deleting');
    expect(ddb).toHaveReceivedCommandWith(TagResourceCommand, {
      ResourceArn: TABLE_ARN,
      Tags: restoreTags(request().tags),
    });
    expect(ddb).toHaveReceivedCommandTimes(DeleteTableCommand, 1);
  });

  it('waits on a table still being restored, which DynamoDB cannot delete (nor show the tags of) yet', async () => {
    const context = { tags: request().tags, settings: {}, backupIds: [BACKUP], startedAt: '2026-11-02T10:00:00Z' };
    ddb.on(DescribeTableCommand).resolves({
      Table: table({
        TableStatus: 'CREATING',
        CreationDateTime: new Date('2026-11-02T10:01:00Z'),
        RestoreSummary: { SourceBackupArn: BACKUP, RestoreInProgress: true, RestoreDateTime: new Date() },
      }),
    });
    await expect(dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context)).resolves.toBe(
      'deleting',
    );
    expect(ddb).toHaveReceivedCommandTimes(DeleteTableCommand, 0);
  });
});
