/**
 * The DynamoDB restore drivers (table-restore.ts, table-import.ts) against the sandbox's AWS model, not a
 * mock, so AWS's rules hold: a table being created can be neither tagged nor have its tags read, nor be
 * deleted; ImportTable refuses attribute definitions no key uses and local secondary indexes. A restore
 * records its table's name before the create call, tags the table once it is ACTIVE, and its clean-up
 * deletes what the record names (tagged or not, when this restore made it) and says gone only when
 * DescribeTable no longer finds the table. And discovery, which meets tables that come and go (the
 * drills' own tables weekly): one deleted between ListTables and its tag read, or still being created,
 * is skipped and logged, never a failure of the region.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_CONTROL_ACTIONS } from '../../../../local/emulator/dynamodb';
import { AwsModel } from '../../../../local/model';
import { InvalidResourceStateError } from '../../../../shared/errors';
import { logger } from '../../../../shared/lambda/powertools';
import { dynamoBackupName, dynamoTableDriver } from '../../../../shared/services/dynamodb/dynamodb-table';
import { dynamodbImportRestore } from '../../../../shared/services/dynamodb/table-import';
import { dynamodbBackupRestore } from '../../../../shared/services/dynamodb/table-restore';
import { type RestoreContext, type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { ACCOUNT, REGION } from '../../../support/unit-fixtures';

const OWNER = 'BackupPipeline@eu-west-1';
const START = new Date('2026-11-02T10:00:00Z');
let now = START;
let model: AwsModel;
let unwire: () => void;
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

/**
 * Every DynamoDB call answered by the model, as the emulator answers it (there is no state table here,
 * so a table the model does not hold is not found, not sent on to dynalite).
 */
function wireModel(m: AwsModel): () => void {
  type Send = (this: { config: { region: () => Promise<string> } }, command: { input: unknown }) => Promise<unknown>;
  const prototype = DynamoDBClient.prototype as unknown as { send: Send };
  const original = prototype.send;
  prototype.send = async function (command) {
    const action = (command as object).constructor.name.replace(/Command$/, '');
    const answer = DYNAMODB_CONTROL_ACTIONS[action];
    if (!answer) throw new Error(`${action} is not a DynamoDB control-plane action the model answers`);
    return answer(m, await this.config.region(), command.input as Record<string, unknown>);
  };
  return () => {
    prototype.send = original;
  };
}

beforeEach(() => {
  now = START;
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => now }, tokenBuckets: false });
  unwire = wireModel(model);
});
afterEach(() => unwire());

/** The model's own view of a table (no API call: the API refuses tags while CREATING). */
const modelTable = (name: string) => model.services.dynamodb.region(REGION).dynamoTables.get(name);
const status = (name: string) => (model.hasDynamoTable(REGION, name) ? modelTable(name)?.status : 'gone');

/** The fleet's `sessions` table and an AVAILABLE on-demand backup of it, named as this stack names them. */
function backedUp(): string {
  model.addDynamoTable(REGION, { TableName: 'sessions' });
  const name = dynamoBackupName({
    stackName: OWNER,
    runId: 'run-1',
    tier: 'daily',
    sourceArn: model.dynamoTableArn(REGION, 'sessions'),
    expiresAt: '2026-12-01T00:00:00.000Z',
  });
  return model.addExistingDynamoBackup(REGION, { TableName: 'sessions', BackupName: name, startMs: now.getTime() - 1 })
    .BackupArn;
}

const tagValues = (backupId: string, restoreId = 'restore-1') => ({
  restoredBy: OWNER,
  restoreId,
  sourceArn: model.dynamoTableArn(REGION, 'sessions'),
  backupId,
  drill: true,
});
const request = (backupId: string, extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: [backupId],
  name: 'sessions-restored-1',
  settings: {},
  tags: tagValues(backupId),
  ...extra,
});
const context = (backupId: string, startedAt = START.toISOString(), settings: unknown = {}): RestoreContext => ({
  tags: tagValues(backupId),
  settings,
  backupIds: [backupId],
  startedAt,
});

describe('dynamodbBackupRestore against the model', () => {
  it('records the table name before RestoreTableFromBackup, and tags the table only once it is ACTIVE', async () => {
    // Prepare
    const backup = backedUp();
    const recorded: { ids: string[]; tableExisted: boolean }[] = [];
    const journal = {
      intent: async () => undefined,
      made: async (ids: readonly string[]) => {
        recorded.push({ ids: [...ids], tableExisted: model.hasDynamoTable(REGION, 'sessions-restored-1') });
      },
    };

    // Act
    const started = await dynamodbBackupRestore.start(request(backup, { journal }));
    const creating = await dynamodbBackupRestore.check(REGION, started.restoredIds, context(backup));
    const untaggedWhileCreating = modelTable('sessions-restored-1')?.Tags;
    advance(2 * 3600);
    const available = await dynamodbBackupRestore.check(REGION, started.restoredIds, context(backup));

    // Assess
    expect(recorded).toEqual([{ ids: ['sessions-restored-1'], tableExisted: false }]);
    expect(started).toEqual({ restoredIds: ['sessions-restored-1'], reused: false });
    expect(creating).toEqual({ status: 'RESTORING', state: 'creating' });
    expect(untaggedWhileCreating).toEqual([]);
    expect(available.status).toBe('AVAILABLE');
    expect(modelTable('sessions-restored-1')?.Tags).toEqual(restoreTags(tagValues(backup)));
  });

  it('on a retried start adopts its table still being created by the backup it came from, reading no tags', async () => {
    // Prepare
    const backup = backedUp();
    await dynamodbBackupRestore.start(request(backup));

    // Act
    const again = await dynamodbBackupRestore.start(request(backup));

    // Assess
    expect(again).toEqual({ restoredIds: ['sessions-restored-1'], reused: true });
    expect(status('sessions-restored-1')).toBe('CREATING');
  });

  it('cleans up an untagged table the record names and this restore made, and says gone only once DescribeTable finds nothing', async () => {
    // Prepare: the start made the table and died before anything tagged it.
    const backup = backedUp();
    await dynamodbBackupRestore.start(request(backup));
    const remove = () => dynamodbBackupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context(backup));

    // Act
    const whileCreating = await remove();
    const stillCreating = status('sessions-restored-1');
    advance(2 * 3600);
    const onceActive = await remove();
    const afterDelete = status('sessions-restored-1');
    const whileDeleting = await remove();
    advance(600);
    const finally_ = await remove();

    // Assess
    expect([whileCreating, stillCreating]).toEqual(['deleting', 'CREATING']);
    expect([onceActive, afterDelete, whileDeleting]).toEqual(['deleting', 'DELETING', 'deleting']);
    expect(finally_).toBe('gone');
  });

  it('never deletes an untagged table the record names that this restore did not make', async () => {
    // Prepare: a table restored from the same backup under the same name before this restore started.
    const backup = backedUp();
    await dynamodbBackupRestore.start(request(backup, { restoreId: 'earlier', tags: tagValues(backup, 'earlier') }));
    advance(2 * 3600);
    const startedLater = now.toISOString();

    // Act
    const refused = await dynamodbBackupRestore
      .remove(REGION, ['sessions-restored-1'], OWNER, context(backup, startedLater))
      .catch((e: unknown) => e);

    // Assess
    expect(refused).toBeInstanceOf(InvalidResourceStateError);
    expect(status('sessions-restored-1')).toBe('ACTIVE');
  });
});

describe('dynamodbBackupRestore.remove of a name another restore holds', () => {
  it('never deletes the table of another restore of this stack that the record names (its create was refused)', async () => {
    // Prepare: restore 'earlier' made and tagged the table; this restore recorded the name, then AWS refused it.
    const backup = backedUp();
    const earlier = { restoreId: 'earlier', tags: tagValues(backup, 'earlier') };
    await dynamodbBackupRestore.start(request(backup, earlier));
    advance(2 * 3600);
    await dynamodbBackupRestore.check(REGION, ['sessions-restored-1'], { ...context(backup), tags: earlier.tags });

    // Act
    const refused = await dynamodbBackupRestore
      .remove(REGION, ['sessions-restored-1'], OWNER, context(backup))
      .catch((e: unknown) => e);

    // Assess
    expect(refused).toBeInstanceOf(InvalidResourceStateError);
    expect(status('sessions-restored-1')).toBe('ACTIVE');
  });
});

describe('dynamodbImportRestore against the model', () => {
  const SETTINGS = {
    keySchema: [
      { attributeName: 'pk', keyType: 'HASH' },
      { attributeName: 'sk', keyType: 'RANGE' },
    ],
    attributeDefinitions: [
      { attributeName: 'pk', attributeType: 'S' },
      { attributeName: 'sk', attributeType: 'S' },
      { attributeName: 'owner', attributeType: 'S' },
      { attributeName: 'createdAt', attributeType: 'N' },
    ],
    billingMode: 'PAY_PER_REQUEST',
    globalSecondaryIndexes: [
      { indexName: 'by-owner', keySchema: [{ attributeName: 'owner', keyType: 'HASH' }], projectionType: 'ALL' },
    ],
    localSecondaryIndexes: ['by-created'],
  };

  /** A completed export of the fleet's `orders` table in the stack's bucket. */
  function exported(): string {
    model.addDynamoTable(REGION, { TableName: 'orders', pitr: true });
    model.createBucket(REGION, 'backups');
    const { ExportDescription } = model.exportTableToPointInTime(REGION, {
      TableArn: model.dynamoTableArn(REGION, 'orders'),
      S3Bucket: 'backups',
      S3Prefix: 'dynamodb-exports/daily/orders/run-1',
    });
    advance(6 * 3600);
    return ExportDescription.ExportArn;
  }

  it('defines only the attributes the key schema and global indexes use, and reports local indexes as not restored', async () => {
    // Prepare
    const exportArn = exported();
    const startedAt = now.toISOString();

    // Act
    const started = await dynamodbImportRestore.start(
      request(exportArn, { name: 'orders-restored-1', settings: SETTINGS }),
    );
    advance(6 * 3600);
    const checked = await dynamodbImportRestore.check(
      REGION,
      started.restoredIds,
      context(exportArn, startedAt, SETTINGS),
    );

    // Assess
    expect(checked).toMatchObject({
      status: 'AVAILABLE',
      shape: { notRestored: 'local secondary index by-created (ImportTable cannot create one)' },
    });
    expect(modelTable('orders-restored-1')?.description?.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'owner', AttributeType: 'S' },
    ]);
    expect(modelTable('orders-restored-1')?.Tags).toEqual(restoreTags(tagValues(exportArn)));
  });

  it('cleans up a table whose import was never recorded, found by the restore’s client token', async () => {
    // Prepare: the record names the table (recorded before ImportTable); the start died before the import ARN.
    const exportArn = exported();
    const startedAt = now.toISOString();
    const settings = { ...SETTINGS, localSecondaryIndexes: [] };
    await dynamodbImportRestore.start(request(exportArn, { name: 'orders-restored-1', settings }));
    advance(6 * 3600);

    // Act
    const left = await dynamodbImportRestore.remove(
      REGION,
      ['orders-restored-1'],
      OWNER,
      context(exportArn, startedAt, settings),
    );

    // Assess
    expect(left).toBe('deleting');
    expect(status('orders-restored-1')).toBe('DELETING');
  });
});

describe('dynamoTableDriver.discover against tables that come and go', () => {
  const selected = [{ Key: 'backup', Value: 'true' }];

  it('skips and logs a listed table deleted before its tags are read, and one still being created', async () => {
    // Prepare: a steady table, a drill's table deleted right after ListTables, one being restored.
    model.addDynamoTable(REGION, { TableName: 'orders', Tags: selected });
    model.addDynamoTable(REGION, { TableName: 'orders-restored-old', Tags: selected });
    model.deleteDynamoTableAfterListing(REGION, 'orders-restored-old');
    const backup = backedUp();
    await dynamodbBackupRestore.start(request(backup));
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);

    // Act
    const found = await dynamoTableDriver.discover(REGION, { backup: 'true' }, ACCOUNT);
    const warned = warn.mock.calls.map((c) => c[0]);
    warn.mockRestore();

    // Assess
    expect(found.map((d) => d.ref.id)).toEqual(['orders']);
    expect(warned).toEqual([
      expect.stringContaining('orders-restored-old'),
      expect.stringContaining('sessions-restored-1'),
    ]);
  });
});
