/**
 * Restore of a DynamoDB table's export (mode `export`): ImportTable from the export's data in S3 (the
 * export ARN is the backup id; its bucket and manifest come from DescribeExport, the data lies beside the
 * manifest under `data/`), DYNAMODB_JSON, gzip, with TableCreationParameters from the recorded key schema,
 * attribute definitions, billing mode, indexes and key (./table-settings.ts). The client token is derived
 * from the restore id, so a retried call returns the same import. ImportTable takes no tags: the table is
 * tagged as soon as the import names its ARN (./table-restore.ts tagRestoredTable).
 *
 * The restored ids are the table name and the import ARN. Ownership of an untagged table: a retried start
 * adopts it only when ImportTable with this restore's client token answers the import that made it
 * (a table tagged with this restore's id: that import is its restored id); remove deletes it only
 * when the import this restore recorded made it. Check polls the import, then the table.
 */
import {
  DescribeExportCommand,
  DescribeImportCommand,
  ImportTableCommand,
  type ImportTableCommandInput,
  type ImportTableDescription,
  type TableCreationParameters,
} from '@aws-sdk/client-dynamodb';
import { aws, awsErrorName, InvalidInputError, InvalidResourceStateError } from '../../errors';
import { parseRestoreSettings, type RestoreDriver, restoreClientToken } from '../restore';
import { dynamoClient } from './client';
import { claimName, describeTable, removeTable, tableCheck, tableNameProblem, tagRestoredTable } from './table-restore';
import { type DynamodbTableRestoreSettings, dynamodbTableRestoreSettingsSchema } from './table-settings';

/** ImportTable's client token: at most 36 characters. */
const importToken = (restoreId: string) => restoreClientToken(restoreId, undefined, 36);

async function describeImport(region: string, arn: string): Promise<ImportTableDescription | undefined> {
  try {
    return (await dynamoClient(region).send(new DescribeImportCommand({ ImportArn: arn }))).ImportTableDescription;
  } catch (error) {
    if (awsErrorName(error) === 'ImportNotFoundException') return undefined;
    return aws(`DynamoDB DescribeImport ${arn}`, () => Promise.reject(error));
  }
}

function tableParameters(name: string, s: DynamodbTableRestoreSettings): TableCreationParameters {
  const keys = (k: DynamodbTableRestoreSettings['keySchema']) =>
    k.map((e) => ({ AttributeName: e.attributeName, KeyType: e.keyType }));
  const provisioned = s.billingMode === 'PROVISIONED';
  const throughput = (c: { readCapacityUnits?: number | undefined; writeCapacityUnits?: number | undefined }) =>
    provisioned
      ? {
          ProvisionedThroughput: {
            ReadCapacityUnits: c.readCapacityUnits ?? 1,
            WriteCapacityUnits: c.writeCapacityUnits ?? 1,
          },
        }
      : {};
  return {
    TableName: name,
    KeySchema: keys(s.keySchema),
    AttributeDefinitions: s.attributeDefinitions.map((a) => ({
      AttributeName: a.attributeName,
      AttributeType: a.attributeType,
    })),
    BillingMode: s.billingMode,
    ...throughput(s),
    ...(s.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: s.globalSecondaryIndexes.map((g) => ({
            IndexName: g.indexName,
            KeySchema: keys(g.keySchema),
            Projection: {
              ProjectionType: g.projectionType,
              ...(g.nonKeyAttributes ? { NonKeyAttributes: g.nonKeyAttributes } : {}),
            },
            ...throughput(g),
          })),
        }
      : {}),
    ...(s.kmsKeyArn ? { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: s.kmsKeyArn } } : {}),
  };
}

/** The export's data in S3: its bucket and the `data/` folder beside its manifest. */
async function exportSource(region: string, exportArn: string) {
  const out = await aws(`DynamoDB DescribeExport ${exportArn}`, () =>
    dynamoClient(region).send(new DescribeExportCommand({ ExportArn: exportArn })),
  );
  const e = out.ExportDescription;
  if (e?.ExportStatus !== 'COMPLETED' || !e.S3Bucket || !e.ExportManifest)
    throw new InvalidResourceStateError(
      `DynamoDB export ${exportArn} is ${e?.ExportStatus ?? 'unknown'}: it cannot be imported`,
    );
  const folder = e.ExportManifest.slice(0, e.ExportManifest.lastIndexOf('/') + 1);
  return {
    S3Bucket: e.S3Bucket,
    ...(e.S3BucketOwner ? { S3BucketOwner: e.S3BucketOwner } : {}),
    S3KeyPrefix: `${folder}data/`,
  };
}

export const dynamodbImportRestore: RestoreDriver = {
  type: 'dynamodb-table',
  modes: ['export'],
  nameProblem: tableNameProblem,

  async start(request) {
    const settings = parseRestoreSettings(dynamodbTableRestoreSettingsSchema, request.settings, 'DynamoDB table');
    const [exportArn, ...rest] = request.backupIds;
    if (!exportArn || rest.length > 0)
      throw new InvalidInputError([{ field: 'backupIds', message: 'a DynamoDB table imports exactly one export' }]);
    const input = async (): Promise<ImportTableCommandInput> => ({
      ClientToken: importToken(request.restoreId),
      S3BucketSource: await exportSource(request.region, exportArn),
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: tableParameters(request.name, settings),
    });
    // The import this restore made: ImportTable again with the same client token answers it (AWS keeps
    // a token 8 hours; a start retries within minutes). No import of that token: the table exists, so
    // AWS refuses to make one (ResourceInUseException) and none is made.
    let earlier: ImportTableDescription | undefined;
    const sameImport = async () => {
      earlier ??= await dynamoClient(request.region)
        .send(new ImportTableCommand(await input()))
        .then((out) => out.ImportTableDescription)
        .catch((error: unknown) => {
          if (awsErrorName(error) === 'ResourceInUseException') return undefined;
          return aws(`DynamoDB ImportTable ${request.name} (its earlier import)`, () => Promise.reject(error));
        });
      return earlier;
    };
    const reused = await claimName(request, async (table) => {
      const made = await sameImport();
      return made?.TableArn !== undefined && made.TableArn === table.TableArn;
    });
    if (reused) {
      const made = await sameImport();
      if (!made?.ImportArn)
        throw new InvalidResourceStateError(`DynamoDB table ${request.name}: its import is not found`);
      return { restoredIds: [request.name, made.ImportArn], reused: true };
    }
    // A table made since the lookup is refused by AWS (ResourceInUseException: NameInUseError, the catalog).
    // A lost answer's SDK retry carries the same client token: AWS answers the import it made.
    const out = await aws(`DynamoDB ImportTable ${request.name} from ${exportArn}`, async () =>
      dynamoClient(request.region).send(new ImportTableCommand(await input())),
    );
    const description = out.ImportTableDescription;
    if (!description?.ImportArn || !description.TableArn)
      throw new InvalidResourceStateError(`ImportTable ${request.name} returned no import`);
    await tagRestoredTable(request.region, description.TableArn, request);
    return { restoredIds: [request.name, description.ImportArn], reused: false };
  },

  async check(region, restoredIds) {
    const [name = '', importArn = ''] = restoredIds;
    const description = await describeImport(region, importArn);
    if (!description) return { status: 'FAILED', reason: `import ${importArn} of ${name} is gone` };
    const status = description.ImportStatus ?? 'unknown';
    if (status === 'IN_PROGRESS') return { status: 'RESTORING', state: 'importing' };
    if (status !== 'COMPLETED') {
      const why = [description.FailureCode, description.FailureMessage].filter(Boolean).join(': ');
      return { status: 'FAILED', reason: `import of ${name} is ${status}${why ? `: ${why}` : ''}` };
    }
    const checked = tableCheck(name, await describeTable(region, name));
    return checked.status === 'AVAILABLE'
      ? { status: 'AVAILABLE', shape: { ...checked.shape, importErrors: description.ErrorCount ?? 0 } }
      : checked;
  },

  remove(region, restoredIds, restoredBy) {
    const [name = '', importArn = ''] = restoredIds;
    return removeTable(region, name, restoredBy, async (table) => {
      const description = importArn ? await describeImport(region, importArn) : undefined;
      return description?.TableArn !== undefined && description.TableArn === table.TableArn;
    });
  },
};
