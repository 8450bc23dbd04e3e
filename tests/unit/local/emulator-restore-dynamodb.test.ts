/**
 * The emulator's DynamoDB restores, through the real DynamoDBClient: RestoreTableFromBackup CREATING →
 * ACTIVE on the model's clock, tagged after with TagResource (it takes no tags), DeleteTable DELETING →
 * gone, ImportTable from the prefix of an export the model made (ClientToken idempotency, the import's
 * and the table's states), each refusal with DynamoDB's exception, and the routing that keeps the
 * pipeline's own state table (dynalite's) out of the model.
 */
import {
  DeleteTableCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  ImportTableCommand,
  type ImportTableCommandInput,
  ListImportsCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  RestoreTableFromBackupCommand,
  TagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { modelAnswers } from '../../../local/emulator/dynamodb';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const emu = useEmulator((config) => new DynamoDBClient(config));
const { model, advance } = emu;
const REGION = EMULATOR_REGION;
const failure = (call: Promise<unknown>) => serviceFailure(call, DynamoDBServiceException, 'a DynamoDB');

const GIB = 1024 ** 3;
const restoreTags = [
  { Key: 'Name', Value: 'sessions-restored' },
  { Key: 'backup-pipeline:restore-id', Value: 'restore-1' },
];

/** A fleet table and an AVAILABLE backup of it. */
function tableWithBackup(name: string) {
  model.addDynamoTable(REGION, { TableName: name, sizeBytes: 2 * GIB, Tags: [{ Key: 'backup', Value: 'true' }] });
  return model.addExistingDynamoBackup(REGION, {
    TableName: name,
    BackupName: `${name}-b`,
    startMs: emu.now().getTime(),
    sizeBytes: 2 * GIB,
  });
}

const describe_ = (TableName: string) => emu.client().send(new DescribeTableCommand({ TableName }));

describe('DynamoDB RestoreTableFromBackup, TagResource and DeleteTable', () => {
  it('restores a CREATING table of the backup size, ACTIVE after simulated time, tagged after', async () => {
    // Prepare
    const backup = tableWithBackup('sessions');

    // Act
    const restored = await emu
      .client()
      .send(new RestoreTableFromBackupCommand({ TargetTableName: 'sessions-restored', BackupArn: backup.BackupArn }));
    const arn = restored.TableDescription?.TableArn ?? '';
    const first = await describe_('sessions-restored');
    advance(3600);
    const later = await describe_('sessions-restored');
    await emu.client().send(new TagResourceCommand({ ResourceArn: arn, Tags: restoreTags }));
    const tags = await emu.client().send(new ListTagsOfResourceCommand({ ResourceArn: arn }));

    // Assess
    expect(first.Table).toMatchObject({
      TableStatus: 'CREATING',
      TableSizeBytes: 2 * GIB,
      ItemCount: (2 * GIB) / 1024,
      RestoreSummary: { SourceBackupArn: backup.BackupArn, RestoreInProgress: true },
    });
    expect(later.Table?.TableStatus).toBe('ACTIVE');
    // No selection tag: the restored table is never picked up by the backups' tag discovery.
    expect(tags.Tags).toEqual(restoreTags);
  });

  it('deletes a table through DELETING to gone, refusing one still CREATING', async () => {
    // Prepare
    const backup = tableWithBackup('carts');
    await emu
      .client()
      .send(new RestoreTableFromBackupCommand({ TargetTableName: 'carts-restored', BackupArn: backup.BackupArn }));

    // Act
    const creating = await failure(emu.client().send(new DeleteTableCommand({ TableName: 'carts-restored' })));
    advance(3600);
    const deleting = await emu.client().send(new DeleteTableCommand({ TableName: 'carts-restored' }));
    advance(120);
    const routedAway = modelAnswers(model, REGION, 'DescribeTable', { TableName: 'carts-restored' });

    // Assess
    expect(creating.name).toBe('ResourceInUseException');
    expect(deleting.TableDescription?.TableStatus).toBe('DELETING');
    expect(routedAway).toBe(false);
    expect(model.listTables(REGION, {}).TableNames).not.toContain('carts-restored');
  });

  it('refuses a taken name, an unknown backup and one still being created', async () => {
    // Prepare
    const backup = tableWithBackup('orders');
    model.addDynamoTable(REGION, { TableName: 'orders-big', sizeBytes: 500 * GIB });
    const creating = model.createBackup(REGION, { TableName: 'orders-big', BackupName: 'orders-big-b' });
    const restore = (TargetTableName: string, BackupArn: string) =>
      failure(emu.client().send(new RestoreTableFromBackupCommand({ TargetTableName, BackupArn })));

    // Act
    const errors = await Promise.all([
      restore('orders', backup.BackupArn),
      restore('orders-2', `${backup.BackupArn}-nope`),
      restore('orders-3', creating.BackupDetails.BackupArn),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual([
      'TableAlreadyExistsException',
      'BackupNotFoundException',
      'BackupInUseException',
    ]);
  });

  it('routes to the model only what names a model table: the state table stays dynalite', () => {
    // Prepare
    model.addDynamoTable(REGION, { TableName: 'fleet-table' });
    const arn = (name: string) => `arn:aws:dynamodb:${REGION}:${model.accountId}:table/${name}`;

    // Act
    const answers = [
      modelAnswers(model, REGION, 'DeleteTable', { TableName: 'fleet-table' }),
      modelAnswers(model, REGION, 'DeleteTable', { TableName: 'backup-pipeline-state' }),
      modelAnswers(model, REGION, 'TagResource', { ResourceArn: arn('fleet-table') }),
      modelAnswers(model, REGION, 'TagResource', { ResourceArn: arn('backup-pipeline-state') }),
      modelAnswers(model, REGION, 'RestoreTableFromBackup', { TargetTableName: 'anything' }),
      modelAnswers(model, REGION, 'PutItem', { TableName: 'fleet-table' }),
    ];

    // Assess
    expect(answers).toEqual([true, false, true, false, true, false]);
  });
});

describe('DynamoDB ImportTable and DescribeImport', () => {
  async function completedExport() {
    model.addDynamoTable(REGION, { TableName: 'clickstream', sizeBytes: 4 * GIB, pitr: true });
    model.createBucket(REGION, 'exports-bucket');
    const { ExportDescription } = model.exportTableToPointInTime(REGION, {
      TableArn: model.dynamoTableArn(REGION, 'clickstream'),
      S3Bucket: 'exports-bucket',
      S3Prefix: 'clickstream/2026-11-02',
    });
    advance(3 * 3600);
    const described = await emu.client().send(new DescribeExportCommand({ ExportArn: ExportDescription.ExportArn }));
    // The data directory beside the manifest, as DynamoDB lays an export out.
    return (described.ExportDescription?.ExportManifest ?? '').replace(/manifest-summary\.json$/, 'data/');
  }

  const importInput = (TableName: string, S3KeyPrefix: string, ClientToken?: string): ImportTableCommandInput => ({
    S3BucketSource: { S3Bucket: 'exports-bucket', S3KeyPrefix },
    InputFormat: 'DYNAMODB_JSON',
    TableCreationParameters: {
      TableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    ...(ClientToken ? { ClientToken } : {}),
  });

  it('imports an export into a CREATING table, COMPLETED and ACTIVE after simulated time, once per ClientToken', async () => {
    // Prepare
    const dataPrefix = await completedExport();

    // Act
    const started = await emu
      .client()
      .send(new ImportTableCommand(importInput('clickstream-restored', dataPrefix, 'tok-1')));
    const again = await emu
      .client()
      .send(new ImportTableCommand(importInput('clickstream-restored', dataPrefix, 'tok-1')));
    const ImportArn = started.ImportTableDescription?.ImportArn;
    const table = await describe_('clickstream-restored');
    advance(3 * 3600);
    const done = await emu.client().send(new DescribeImportCommand({ ImportArn }));
    const active = await describe_('clickstream-restored');

    // Assess
    expect(started.ImportTableDescription?.ImportStatus).toBe('IN_PROGRESS');
    expect(again.ImportTableDescription?.ImportArn).toBe(ImportArn);
    expect(table.Table?.TableStatus).toBe('CREATING');
    expect(done.ImportTableDescription).toMatchObject({
      ImportStatus: 'COMPLETED',
      ProcessedSizeBytes: 4 * GIB,
      ImportedItemCount: (4 * GIB) / 1024,
    });
    expect(active.Table).toMatchObject({
      TableStatus: 'ACTIVE',
      TableSizeBytes: 4 * GIB,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
  });

  it('fails an import with no export under the prefix, and its table goes', async () => {
    // Act
    const started = await emu.client().send(new ImportTableCommand(importInput('nothing-restored', 'no/such/prefix/')));
    advance(600);
    const failed = await emu
      .client()
      .send(new DescribeImportCommand({ ImportArn: started.ImportTableDescription?.ImportArn }));

    // Assess
    expect(failed.ImportTableDescription?.ImportStatus).toBe('FAILED');
    expect(failed.ImportTableDescription?.FailureCode).toBe('S3NoSuchKey');
    expect(model.hasDynamoTable(REGION, 'nothing-restored')).toBe(false);
  });

  it('refuses a name in use (ResourceInUseException) and an unknown import (ImportNotFoundException)', async () => {
    // Prepare
    model.addDynamoTable(REGION, { TableName: 'taken' });

    // Act
    const taken = await failure(emu.client().send(new ImportTableCommand(importInput('taken', 'x/'))));
    const unknown = await failure(
      emu.client().send(new DescribeImportCommand({ ImportArn: `${model.dynamoTableArn(REGION, 'x')}/import/1-nope` })),
    );

    // Assess
    expect([taken.name, unknown.name]).toEqual(['ResourceInUseException', 'ImportNotFoundException']);
  });
});

describe('DynamoDB tables while CREATING, ListImports, and a table gone between two calls', () => {
  it('refuses TagResource (ResourceInUseException) and ListTagsOfResource (ResourceNotFoundException) until the table is ACTIVE', async () => {
    // Prepare
    const backup = tableWithBackup('ledger');
    const restored = await emu
      .client()
      .send(new RestoreTableFromBackupCommand({ TargetTableName: 'ledger-restored', BackupArn: backup.BackupArn }));
    const ResourceArn = restored.TableDescription?.TableArn ?? '';

    // Act
    const tagging = await failure(emu.client().send(new TagResourceCommand({ ResourceArn, Tags: restoreTags })));
    const listing = await failure(emu.client().send(new ListTagsOfResourceCommand({ ResourceArn })));
    advance(3600);
    await emu.client().send(new TagResourceCommand({ ResourceArn, Tags: restoreTags }));
    const listed = await emu.client().send(new ListTagsOfResourceCommand({ ResourceArn }));

    // Assess
    expect([tagging.name, listing.name]).toEqual(['ResourceInUseException', 'ResourceNotFoundException']);
    expect(listed.Tags).toEqual(restoreTags);
  });

  it('shows when a table was created (CreationDateTime), a restored one at its restore', async () => {
    // Prepare
    const backup = tableWithBackup('audit');
    advance(60);

    // Act
    await emu
      .client()
      .send(new RestoreTableFromBackupCommand({ TargetTableName: 'audit-restored', BackupArn: backup.BackupArn }));
    const described = await describe_('audit-restored');

    // Assess
    expect(described.Table?.CreationDateTime).toEqual(emu.now());
  });

  it('lists the imports of a table (ListImports), which a retried restore or its clean-up looks its token up in', async () => {
    // Prepare
    model.createBucket(REGION, 'imports-bucket');
    const started = await emu.client().send(
      new ImportTableCommand({
        ClientToken: 'tok-list',
        S3BucketSource: { S3Bucket: 'imports-bucket', S3KeyPrefix: 'none/' },
        InputFormat: 'DYNAMODB_JSON',
        TableCreationParameters: {
          TableName: 'listed-restored',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      }),
    );

    // Act
    const listed = await emu
      .client()
      .send(new ListImportsCommand({ TableArn: model.dynamoTableArn(REGION, 'listed-restored') }));
    const other = await emu.client().send(new ListImportsCommand({ TableArn: model.dynamoTableArn(REGION, 'ledger') }));

    // Assess
    expect(listed.ImportSummaryList?.map((s) => s.ImportArn)).toEqual([started.ImportTableDescription?.ImportArn]);
    expect(other.ImportSummaryList).toEqual([]);
  });

  it('refuses attribute definitions no key schema or global secondary index uses, and local secondary indexes', async () => {
    // Prepare
    const input = (extra: Record<string, unknown>): ImportTableCommandInput =>
      ({
        S3BucketSource: { S3Bucket: 'imports-bucket', S3KeyPrefix: 'none/' },
        InputFormat: 'DYNAMODB_JSON',
        TableCreationParameters: {
          TableName: 'indexed-restored',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'byDate', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          ...extra,
        },
      }) as ImportTableCommandInput;
    const lsi = {
      IndexName: 'by-date',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'byDate', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    };

    // Act: an unused definition (the sort key of an index that is not created), then the index itself.
    const unused = await failure(emu.client().send(new ImportTableCommand(input({}))));
    const local = await failure(emu.client().send(new ImportTableCommand(input({ LocalSecondaryIndexes: [lsi] }))));

    // Assess
    expect([unused.name, local.name]).toEqual(['ValidationException', 'ValidationException']);
    expect(unused.message).toMatch(/AttributeDefinitions/);
    expect(model.hasDynamoTable(REGION, 'indexed-restored')).toBe(false);
  });

  it('can make a listed table disappear before its next call, as a table deleted meanwhile does', async () => {
    // Prepare
    model.addDynamoTable(REGION, { TableName: 'drill-churn-restored' });
    model.deleteDynamoTableAfterListing(REGION, 'drill-churn-restored');

    // Act
    const listed = await emu.client().send(new ListTablesCommand({}));
    const tags = await failure(
      emu
        .client()
        .send(new ListTagsOfResourceCommand({ ResourceArn: model.dynamoTableArn(REGION, 'drill-churn-restored') })),
    );

    // Assess
    expect(listed.TableNames).toContain('drill-churn-restored');
    expect(tags.name).toBe('ResourceNotFoundException');
  });
});
