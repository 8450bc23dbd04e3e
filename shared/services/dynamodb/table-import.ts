/**
 * Restore of a DynamoDB table's export (mode `export`): ImportTable from the export's data in S3 (the
 * export ARN is the backup id; its bucket and manifest come from DescribeExport, the data lies beside the
 * manifest under `data/`; a DR copy's ids also name where its data lies in the recovery region's bucket,
 * ./export-copy.ts, so its restore there reads it without the home region), DYNAMODB_JSON, gzip, with TableCreationParameters from the recorded key schema,
 * billing mode, global secondary indexes and key (./table-settings.ts). Only the attributes those keys use
 * are defined (ImportTable, as CreateTable, refuses any other: ValidationException), and local secondary
 * indexes, which TableCreationParameters cannot hold, are reported on the restore as not restored. The
 * client token is derived from the restore id, so a retried call returns the same import. The table's
 * name is recorded before the call; ImportTable takes no tags, so the check tags the table once it is
 * ACTIVE (./table-restore.ts).
 *
 * The restored ids are the table name and the import ARN. Ownership of an untagged table: a retried start
 * adopts it, and clean-up deletes it, only when one of its imports carries this restore's client token
 * (the recorded import, or found with ListImports when the start died before recording it). Check polls
 * the import, then the table.
 */
import {
  DescribeExportCommand,
  DescribeImportCommand,
  ImportTableCommand,
  type ImportTableCommandOutput,
  type ImportTableDescription,
  ListImportsCommand,
  type TableCreationParameters,
} from '@aws-sdk/client-dynamodb';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
import { arnRegion } from '../../resource';
import { parseRestoreSettings, type RestoreDriver, restoreClientToken } from '../restore';
import { dynamoClient } from './client';
import { parseDataLocation } from './export-copy';
import { restoredNameProblem } from './restored-name';
import {
  assertRestoredName,
  checkAndTag,
  claimName,
  describeTable,
  NAME_TAKEN,
  removeTable,
  tableNameHolder,
} from './table-restore';
import { type DynamodbTableRestoreSettings, dynamodbTableRestoreSettingsSchema } from './table-settings';

/** ImportTable's client token: at most 36 characters. */
const importToken = (restoreId: string) => restoreClientToken(restoreId, undefined, 36);

async function describeImport(region: string, arn: string): Promise<ImportTableDescription | undefined> {
  try {
    return (await dynamoClient(region).send(new DescribeImportCommand({ ImportArn: arn }))).ImportTableDescription;
  } catch (error) {
    if (awsErrorName(error) === 'ImportNotFoundException') return undefined;
    rethrowAws(`DynamoDB DescribeImport ${arn}`, error);
  }
}

/** The import of `tableArn` made with `token`, if any (a table has an import or two: each is described). */
async function importWithToken(region: string, tableArn: string, token: string): Promise<string | undefined> {
  const out = await aws(`DynamoDB ListImports ${tableArn}`, () =>
    dynamoClient(region).send(new ListImportsCommand({ TableArn: tableArn })),
  );
  for (const summary of out.ImportSummaryList ?? []) {
    if (!summary.ImportArn) continue;
    if ((await describeImport(region, summary.ImportArn))?.ClientToken === token) return summary.ImportArn;
  }
  return undefined;
}

/**
 * The source's customer managed key when it cannot be the restored table's: a KMS key is regional, so a
 * restore in another region (a recovery region) cannot use it; the table is then made under DynamoDB's
 * own key of that region (`aws/dynamodb`), still encrypted with KMS, and the restore says so.
 */
function foreignKey(s: { kmsKeyArn?: string | undefined }, region: string): string | undefined {
  return s.kmsKeyArn && arnRegion(s.kmsKeyArn) !== region ? s.kmsKeyArn : undefined;
}

function tableParameters(name: string, s: DynamodbTableRestoreSettings, region: string): TableCreationParameters {
  const keys = (k: DynamodbTableRestoreSettings['keySchema']) =>
    k.map((e) => ({ AttributeName: e.attributeName, KeyType: e.keyType }));
  const provisioned = s.billingMode === 'PROVISIONED';
  const keyed = new Set(
    [...s.keySchema, ...s.globalSecondaryIndexes.flatMap((g) => g.keySchema)].map((k) => k.attributeName),
  );
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
    // Only what a key uses: an attribute only a local secondary index keys on is not defined.
    AttributeDefinitions: s.attributeDefinitions
      .filter((a) => keyed.has(a.attributeName))
      .map((a) => ({ AttributeName: a.attributeName, AttributeType: a.attributeType })),
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
    ...(s.kmsKeyArn
      ? {
          SSESpecification: foreignKey(s, region)
            ? { Enabled: true, SSEType: 'KMS' }
            : { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: s.kmsKeyArn },
        }
      : {}),
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
  nameProblem: restoredNameProblem,
  nameHolder: tableNameHolder,

  async start(request) {
    const settings = parseRestoreSettings(dynamodbTableRestoreSettingsSchema, request.settings, 'DynamoDB table');
    // An export's id, or a DR copy's: its export and where its data lies in the recovery bucket.
    const [exportArn, location, ...rest] = request.backupIds;
    const copied = location === undefined ? undefined : parseDataLocation(location);
    if (!exportArn || rest.length > 0 || (location !== undefined && !copied))
      throw new InvalidInputError([{ field: 'backupIds', message: 'a DynamoDB table imports exactly one export' }]);
    assertRestoredName(request.name);
    const token = importToken(request.restoreId);
    const claim = async () => {
      let earlier: string | undefined;
      const reused = await claimName(request, async (table) => {
        earlier = table.TableArn ? await importWithToken(request.region, table.TableArn, token) : undefined;
        return earlier !== undefined;
      });
      if (!reused) return undefined;
      const table = await describeTable(request.region, request.name);
      earlier ??= table?.TableArn ? await importWithToken(request.region, table.TableArn, token) : undefined;
      if (!earlier) throw new InvalidResourceStateError(`DynamoDB table ${request.name}: its import is not found`);
      return { restoredIds: [request.name, earlier], reused: true };
    };
    const reused = await claim();
    if (reused) return reused;
    // A DR copy's data is read where it lies, in this region's bucket: nothing is asked of the table's
    // region, which may be the region lost. An original export is described in its own region.
    const source = copied ?? (await exportSource(arnRegion(exportArn) ?? request.region, exportArn));
    await request.journal?.made([request.name]);
    const context = `DynamoDB ImportTable ${request.name} from ${exportArn}`;
    let out: ImportTableCommandOutput;
    try {
      out = await dynamoClient(request.region).send(
        new ImportTableCommand({
          ClientToken: token,
          S3BucketSource: source,
          InputFormat: 'DYNAMODB_JSON',
          InputCompressionType: 'GZIP',
          TableCreationParameters: tableParameters(request.name, settings, request.region),
        }),
      );
    } catch (error) {
      // A table made since the lookup (ResourceInUseException), or this restore's own import: the same
      // client token answers with it, so only another's name is refused.
      if (!NAME_TAKEN.has(awsErrorName(error) ?? '')) rethrowAws(context, error);
      const adopted = await claim().catch((e: unknown) => {
        if (e instanceof NameInUseError) return undefined;
        throw e;
      });
      if (adopted) return adopted;
      throw new NameInUseError(`${context}: a table of that name exists`, { cause: error });
    }
    const description = out.ImportTableDescription;
    if (!description?.ImportArn || !description.TableArn)
      throw new InvalidResourceStateError(`ImportTable ${request.name} returned no import`);
    return { restoredIds: [request.name, description.ImportArn], reused: false };
  },

  async check(region, restoredIds, context) {
    const [name = '', importArn = ''] = restoredIds;
    const description = await describeImport(region, importArn);
    if (!description) return { status: 'FAILED', reason: `import ${importArn} of ${name} is gone` };
    const status = description.ImportStatus ?? 'unknown';
    if (status === 'IN_PROGRESS') return { status: 'RESTORING', state: 'importing' };
    if (status !== 'COMPLETED') {
      const why = [description.FailureCode, description.FailureMessage].filter(Boolean).join(': ');
      return { status: 'FAILED', reason: `import of ${name} is ${status}${why ? `: ${why}` : ''}` };
    }
    const checked = await checkAndTag(region, name, context);
    if (checked.status !== 'AVAILABLE') return checked;
    const lost = notRestored(context?.settings, region);
    return {
      status: 'AVAILABLE',
      shape: { ...checked.shape, importErrors: description.ErrorCount ?? 0, ...(lost ? { notRestored: lost } : {}) },
    };
  },

  remove(region, restoredIds, restoredBy, context) {
    const [name = '', importArn = ''] = restoredIds;
    // This restore's import made the table: the recorded import, or (the start died before recording
    // it) an import of the table carrying this restore's client token.
    return removeTable(region, name, restoredBy, context, async (table, c) => {
      const token = importToken(c.tags.restoreId);
      if (!importArn)
        return table.TableArn !== undefined && (await importWithToken(region, table.TableArn, token)) !== undefined;
      const description = await describeImport(region, importArn);
      return (
        description?.TableArn !== undefined &&
        description.TableArn === table.TableArn &&
        description.ClientToken === token
      );
    });
  },
};

/**
 * What the restore says it lacks: the source's local secondary indexes, which ImportTable cannot create,
 * and its customer managed key when the restore is in another region.
 */
function notRestored(settings: unknown, region: string): string | undefined {
  const parsed = dynamodbTableRestoreSettingsSchema.safeParse(settings);
  const names = parsed.success ? parsed.data.localSecondaryIndexes : [];
  const key = parsed.success ? foreignKey(parsed.data, region) : undefined;
  const lost = [
    ...(names.length > 0
      ? [
          `local secondary ${names.length === 1 ? 'index' : 'indexes'} ${names.join(', ')} (ImportTable cannot create one)`,
        ]
      : []),
    ...(key
      ? [`the source's customer managed key ${key} (a key of another region): made under aws/dynamodb of ${region}`]
      : []),
  ];
  return lost.length > 0 ? lost.join('; ') : undefined;
}
