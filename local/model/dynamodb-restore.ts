/**
 * DynamoDB restores over DynamoDB's region store (model tables only: the pipeline's state table is
 * dynalite's): RestoreTableFromBackup, ImportTable from a DynamoDB-JSON export the model made (its
 * bucket and key prefix), DescribeImport, DeleteTable, and TagResource / UntagResource (RestoreTableFromBackup
 * takes no tags: a restore tags the table after). A new table is CREATING for a time drawn from its size,
 * then ACTIVE; a deleted one DELETING, then gone (lifecycle.ts). ImportTable is idempotent per ClientToken.
 * A restored table keeps its backup's key unless SSESpecificationOverride says otherwise; an import is under
 * the key its SSESpecification names. Either key is checked before anything is made (assertKeyUsable).
 */
import { AwsApiError, type ModelCore, RegionalBackend, type Tag } from './core';
import {
  DYNAMODB_API,
  type DynamoDbBackend,
  type DynamoExportModel,
  type DynamoImportModel,
  type DynamoRegionState,
  type DynamoTableModel,
  exportRoot,
} from './dynamodb';
import { GONE } from './lifecycle';
import { defineModelService } from './registry';
import type { S3Backend } from './s3';

/** How long ImportTable's ClientToken makes a call idempotent: 8 hours (ImportTable API reference). */
const IMPORT_TOKEN_MS = 8 * 3_600_000;
/** Seconds a table takes to delete (fixed: a removal draws nothing from the PRNG). */
const DELETE_SECONDS = 30;
const GIB = 1024 ** 3;

type KeySchema = { AttributeName?: string; KeyType?: string }[];
/** CreateTable's SSESpecification, as RestoreTableFromBackup's override and ImportTable take it. */
type SseSpecification = { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string };
type AttributeDefinitions = { AttributeName?: string; AttributeType?: string }[];

export class DynamoRestoreBackend extends RegionalBackend<DynamoRegionState> {
  constructor(
    core: ModelCore,
    private readonly dynamodb: DynamoDbBackend,
    private readonly s3: S3Backend,
  ) {
    super(core, dynamodb.store);
  }

  /**
   * The key a new table is encrypted under: `spec` when given (Enabled false: the AWS owned key; true: its
   * KMSMasterKeyId, or the AWS managed aws/dynamodb key), else `inherited` (a backup's); checked usable.
   */
  private newTableKey(region: string, spec: SseSpecification | undefined, inherited?: string): string | undefined {
    if (spec?.KMSMasterKeyId !== undefined && spec.SSEType !== 'KMS')
      throw new AwsApiError('ValidationException', 'SSEType KMS is required if KMSMasterKeyId is specified');
    const ref =
      spec === undefined ? inherited : spec.Enabled ? (spec.KMSMasterKeyId ?? 'alias/aws/dynamodb') : undefined;
    return ref === undefined ? undefined : this.dynamodb.assertKeyUsable(region, ref);
  }

  private assertNameFree(region: string, name: string, code: string): void {
    if (this.dynamodb.hasDynamoTable(region, name)) throw new AwsApiError(code, `Table already exists: ${name}`);
  }

  private assertTableName(name: string | undefined, parameter: string): string {
    if (!name || !/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value '${name}' at '${parameter}' failed to satisfy constraint`,
      );
    return name;
  }

  /** A new model table, CREATING until `untilMs` (then ACTIVE), or gone then when `fails`. */
  private addCreating(
    region: string,
    t: Omit<DynamoTableModel, 'pitr' | 'backupSeconds' | 'exportSeconds' | 'status'>,
    untilMs: number,
    fails = false,
  ) {
    const gib = t.sizeBytes / GIB;
    const table: DynamoTableModel = {
      pitr: false,
      backupSeconds: Math.round(20 + gib * 2),
      exportSeconds: Math.round(300 + gib * 40),
      ...t,
      createdMs: this.nowMs(),
      status: 'CREATING',
      lifecycle: { untilMs, next: fails ? GONE : 'ACTIVE' },
    };
    this.region(region).dynamoTables.set(table.TableName, table);
    return table;
  }

  /**
   * RestoreTableFromBackup in the backup's region: a table of the backup's size and items, CREATING for a
   * time drawn from its size. The name must be free (TableAlreadyExistsException) and the backup AVAILABLE.
   */
  restoreTableFromBackup(
    region: string,
    input: {
      TargetTableName?: string;
      BackupArn?: string;
      BillingModeOverride?: string;
      SSESpecificationOverride?: SseSpecification;
    },
  ) {
    this.gate(DYNAMODB_API, 'RestoreTableFromBackup');
    const name = this.assertTableName(input.TargetTableName, 'targetTableName');
    this.assertNameFree(region, name, 'TableAlreadyExistsException');
    const backup = this.dynamodb.dynamoBackup(region, input.BackupArn);
    const status = this.dynamodb.dynamoBackupStatus(backup);
    if (status !== 'AVAILABLE')
      throw new AwsApiError(
        'BackupInUseException',
        `Backup ${backup.BackupArn} is ${status}: it cannot be restored yet.`,
      );
    const kmsKeyArn = this.newTableKey(region, input.SSESpecificationOverride, backup.kmsKeyArn);
    const source = this.region(region).dynamoTables.get(backup.TableName);
    const t = this.timing(120 + (backup.sizeBytes / GIB) * 20);
    const table = this.addCreating(
      region,
      {
        TableName: name,
        sizeBytes: backup.sizeBytes,
        Tags: [],
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
        ...(source?.itemCount !== undefined ? { itemCount: source.itemCount } : {}),
        description: {
          ...(source?.description?.KeySchema ? { KeySchema: source.description.KeySchema } : {}),
          ...(source?.description?.AttributeDefinitions
            ? { AttributeDefinitions: source.description.AttributeDefinitions }
            : {}),
          BillingModeSummary: { BillingMode: input.BillingModeOverride ?? 'PAY_PER_REQUEST' },
          RestoreSummary: {
            SourceBackupArn: backup.BackupArn,
            SourceTableArn: this.dynamodb.dynamoTableArn(region, backup.TableName),
            RestoreDateTime: new Date(this.nowMs()),
            RestoreInProgress: true,
          },
        },
      },
      t.startMs + t.durationMs,
    );
    return this.created(DYNAMODB_API, { TableDescription: this.dynamodb.tableDescription(region, table) });
  }

  /** DeleteTable of a model table: ACTIVE → DELETING → gone; one still CREATING or DELETING is in use. */
  deleteTable(region: string, input: { TableName?: string }) {
    this.gate(DYNAMODB_API, 'DeleteTable');
    const table = this.dynamodb.dynamoTable(region, input.TableName);
    if (table.status === 'CREATING' || table.status === 'DELETING')
      throw new AwsApiError(
        'ResourceInUseException',
        `Attempt to change a resource which is still in use: Table ${table.TableName} is ${table.status}`,
      );
    table.status = 'DELETING';
    table.lifecycle = { untilMs: this.nowMs() + DELETE_SECONDS * 1000, next: GONE };
    return { TableDescription: this.dynamodb.tableDescription(region, table) };
  }

  /** TagResource on a model table: a key given again takes the new value; at most 50 tags. */
  tagResource(region: string, input: { ResourceArn?: string; Tags?: Tag[] }) {
    this.gate(DYNAMODB_API, 'TagResource');
    const table = this.dynamodb.tableOfArn(region, input.ResourceArn);
    // A table being created or deleted is in use: DynamoDB tags it only once it is ACTIVE.
    if ((table.status ?? 'ACTIVE') !== 'ACTIVE')
      throw new AwsApiError(
        'ResourceInUseException',
        `Attempt to change a resource which is still in use: Table ${table.TableName} is ${table.status}`,
      );
    const tags = [...table.Tags];
    for (const tag of input.Tags ?? []) {
      const at = tags.findIndex((t) => t.Key === tag.Key);
      if (at >= 0) tags[at] = tag;
      else tags.push(tag);
    }
    if (tags.length > 50) throw new AwsApiError('LimitExceededException', 'A table may carry at most 50 tags.');
    table.Tags = tags;
    return {};
  }

  untagResource(region: string, input: { ResourceArn?: string; TagKeys?: string[] }) {
    this.gate(DYNAMODB_API, 'UntagResource');
    const table = this.dynamodb.tableOfArn(region, input.ResourceArn);
    table.Tags = table.Tags.filter((t) => !(input.TagKeys ?? []).includes(t.Key));
    return {};
  }

  /**
   * The completed exports whose data lies under the bucket's key prefix: of this region's tables, the
   * bucket's region's, and any other region's that exported into the bucket (a DR copy of an export).
   */
  private exportsUnder(region: string, bucket: string, keyPrefix: string): { region: string; e: DynamoExportModel }[] {
    const regions = new Set([
      region,
      this.s3.buckets.get(bucket)?.region ?? region,
      ...this.dynamodb.exportRegionsOf(bucket),
    ]);
    return [...regions].flatMap((r) =>
      [...this.region(r).dynamoExports.values()]
        .filter((e) => {
          if (e.S3Bucket !== bucket || this.phase(e).state !== 'completed') return false;
          const data = `${exportRoot(e)}data/`;
          return data.startsWith(keyPrefix) || keyPrefix.startsWith(exportRoot(e));
        })
        .map((e) => ({ region: r, e })),
    );
  }

  private importDescription(region: string, i: DynamoImportModel) {
    const { state } = this.phase(i);
    const done = state === 'completed';
    const status = i.failure && done ? 'FAILED' : done ? 'COMPLETED' : 'IN_PROGRESS';
    return {
      ImportArn: i.ImportArn,
      ImportStatus: status,
      TableArn: this.dynamodb.dynamoTableArn(region, i.TableName),
      ...(i.ClientToken ? { ClientToken: i.ClientToken } : {}),
      S3BucketSource: { S3Bucket: i.S3Bucket, ...(i.S3KeyPrefix !== undefined ? { S3KeyPrefix: i.S3KeyPrefix } : {}) },
      ErrorCount: 0,
      InputFormat: i.InputFormat,
      TableCreationParameters: i.creation,
      StartTime: new Date(i.startMs),
      ...(done ? { EndTime: new Date(i.startMs + i.durationMs) } : {}),
      ...(status === 'COMPLETED'
        ? { ProcessedSizeBytes: i.sizeBytes, ProcessedItemCount: i.itemCount, ImportedItemCount: i.itemCount }
        : {}),
      ...(status === 'FAILED' && i.failure ? { FailureCode: i.failure.code, FailureMessage: i.failure.message } : {}),
    };
  }

  /**
   * ImportTable: a new table from the DynamoDB JSON an export of the model wrote under S3KeyPrefix. The
   * import is IN_PROGRESS and the table CREATING for a time drawn from the data's size, then COMPLETED and
   * ACTIVE; with no export under the prefix (or no bucket, or the export expired or archived by the
   * bucket's lifecycle) it FAILS and its table goes, as DynamoDB's does.
   */
  importTable(
    region: string,
    input: {
      ClientToken?: string;
      S3BucketSource?: { S3Bucket?: string; S3KeyPrefix?: string; S3BucketOwner?: string };
      InputFormat?: string;
      InputCompressionType?: string;
      TableCreationParameters?: {
        TableName?: string;
        KeySchema?: KeySchema;
        AttributeDefinitions?: AttributeDefinitions;
        BillingMode?: string;
        SSESpecification?: SseSpecification;
      } & Record<string, unknown>;
    },
  ) {
    this.gate(DYNAMODB_API, 'ImportTable');
    const r = this.region(region);
    const params = input.TableCreationParameters ?? {};
    const bucket = input.S3BucketSource?.S3Bucket ?? '';
    if (input.ClientToken) {
      // A token holds for 8 hours; after that the same token is a new request (strict: from the first call).
      const earlier = [...r.dynamoImports.values()].find(
        (i) => i.ClientToken === input.ClientToken && this.nowMs() - i.startMs < IMPORT_TOKEN_MS,
      );
      if (earlier) {
        if (
          earlier.TableName !== params.TableName ||
          earlier.S3Bucket !== bucket ||
          earlier.S3KeyPrefix !== input.S3BucketSource?.S3KeyPrefix
        )
          throw new AwsApiError('ImportConflictException', `Import with client token ${input.ClientToken} differs`);
        return { ImportTableDescription: this.importDescription(region, earlier) };
      }
    }
    const name = this.assertTableName(params.TableName, 'tableCreationParameters.tableName');
    if (!bucket) throw new AwsApiError('ValidationException', 'S3BucketSource.S3Bucket is required');
    if (input.InputFormat !== 'DYNAMODB_JSON')
      throw new AwsApiError('ValidationException', `The sandbox imports DYNAMODB_JSON only, not ${input.InputFormat}`);
    const keys = params.KeySchema ?? [];
    const defined = new Set((params.AttributeDefinitions ?? []).map((a) => a.AttributeName));
    if (!keys.some((k) => k.KeyType === 'HASH') || keys.some((k) => !defined.has(k.AttributeName)))
      throw new AwsApiError(
        'ValidationException',
        'KeySchema needs a HASH key, and every key attribute must be in AttributeDefinitions',
      );
    // TableCreationParameters has no LocalSecondaryIndexes (API reference): ImportTable cannot make one.
    if ('LocalSecondaryIndexes' in params)
      throw new AwsApiError('ValidationException', 'TableCreationParameters takes no LocalSecondaryIndexes');
    // As CreateTable: every attribute defined must be a key of the table or of a global secondary index.
    const indexes = (params.GlobalSecondaryIndexes ?? []) as { KeySchema?: KeySchema }[];
    const used = new Set([...keys, ...indexes.flatMap((g) => g.KeySchema ?? [])].map((k) => k.AttributeName));
    const unused = [...defined].filter((name) => !used.has(name));
    if (unused.length > 0)
      throw new AwsApiError(
        'ValidationException',
        `One or more parameter values were invalid: Some AttributeDefinitions are not used in KeySchema or GlobalSecondaryIndexes: ${unused.join(', ')}`,
      );
    this.assertNameFree(region, name, 'ResourceInUseException');
    // DynamoDB checks the new table's key at the call (strict: as CreateTable, nothing made when refused).
    const kmsKeyArn = this.newTableKey(region, params.SSESpecification);
    const keyPrefix = input.S3BucketSource?.S3KeyPrefix ?? '';
    // The export's data files as the bucket's lifecycle keeps them now (written when the export completed):
    // an expired export is gone; an archived one fails the import, which reads the objects as GetObject does.
    const aged = (this.s3.buckets.has(bucket) ? this.exportsUnder(region, bucket, keyPrefix) : []).map((source) => {
      const key = `${exportRoot(source.e)}data/`;
      return { ...source, key, state: this.s3.objectState(bucket, key, source.e.startMs + source.e.durationMs) };
    });
    const sources = aged.filter(({ state }) => !state.expired);
    const unreadable = sources.flatMap(({ key, state }) => {
      try {
        if (!state.expired) this.s3.assertReadable(bucket, key, state.storageClass);
        return [];
      } catch (error) {
        return [(error as AwsApiError).message];
      }
    });
    // The data an export wrote is its table's size (the table as it is now; a gone table's, a GiB).
    const sizeBytes = sources.reduce(
      (sum, { region: r, e }) => sum + (this.region(r).dynamoTables.get(e.TableName)?.sizeBytes ?? GIB),
      0,
    );
    const failure = !this.s3.buckets.has(bucket)
      ? { code: 'S3NoSuchBucket', message: `The bucket ${bucket} does not exist` }
      : sources.length === 0
        ? { code: 'S3NoSuchKey', message: `No DynamoDB export data under s3://${bucket}/${keyPrefix}` }
        : unreadable[0] !== undefined
          ? { code: 'S3InvalidObjectState', message: unreadable[0] }
          : undefined;
    const timing = failure ? { startMs: this.nowMs(), durationMs: 60_000 } : this.timing(120 + (sizeBytes / GIB) * 60);
    const startMs = this.nowMs();
    const itemCount = Math.round(sizeBytes / 1024);
    const imported: DynamoImportModel = {
      ImportArn: `${this.dynamodb.dynamoTableArn(region, name)}/import/${startMs}-${this.nextId('i').slice(2, 10)}`,
      TableName: name,
      S3Bucket: bucket,
      ...(input.S3BucketSource?.S3KeyPrefix !== undefined ? { S3KeyPrefix: input.S3BucketSource.S3KeyPrefix } : {}),
      InputFormat: input.InputFormat,
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
      creation: params,
      sizeBytes,
      itemCount,
      startMs: timing.startMs,
      durationMs: timing.durationMs,
      ...(failure ? { failure } : {}),
    };
    r.dynamoImports.set(imported.ImportArn, imported);
    this.addCreating(
      region,
      {
        TableName: name,
        sizeBytes,
        itemCount,
        Tags: [],
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
        description: {
          KeySchema: keys,
          AttributeDefinitions: params.AttributeDefinitions ?? [],
          BillingModeSummary: { BillingMode: params.BillingMode ?? 'PROVISIONED' },
        },
      },
      timing.startMs + timing.durationMs,
      failure !== undefined,
    );
    return this.created(DYNAMODB_API, { ImportTableDescription: this.importDescription(region, imported) });
  }

  /** ListImports of one table (or of the region): newest first, one page (a restore's table has an import or two). */
  listImports(region: string, input: { TableArn?: string }) {
    this.gate(DYNAMODB_API, 'ListImports');
    const imports = [...this.region(region).dynamoImports.values()]
      .filter((i) => !input.TableArn || this.dynamodb.dynamoTableArn(region, i.TableName) === input.TableArn)
      .sort((a, b) => b.startMs - a.startMs);
    return {
      ImportSummaryList: imports.map((i) => {
        const d = this.importDescription(region, i);
        return {
          ImportArn: d.ImportArn,
          ImportStatus: d.ImportStatus,
          TableArn: d.TableArn,
          S3BucketSource: d.S3BucketSource,
          InputFormat: d.InputFormat,
          StartTime: d.StartTime,
          ...(d.EndTime ? { EndTime: d.EndTime } : {}),
        };
      }),
    };
  }

  describeImport(region: string, input: { ImportArn?: string }) {
    this.gate(DYNAMODB_API, 'DescribeImport');
    const imported = input.ImportArn ? this.region(region).dynamoImports.get(input.ImportArn) : undefined;
    if (!imported) throw new AwsApiError('ImportNotFoundException', `Import not found: ${input.ImportArn}`);
    return { ImportTableDescription: this.importDescription(region, imported) };
  }
}

export const dynamoRestoreModel = defineModelService({
  name: 'dynamoRestore',
  needs: ['dynamodb', 's3'],
  build: (core, { dynamodb, s3 }: { dynamodb: DynamoDbBackend; s3: S3Backend }) =>
    new DynamoRestoreBackend(core, dynamodb, s3),
  operations: [
    'restoreTableFromBackup',
    'deleteTable',
    'tagResource',
    'untagResource',
    'importTable',
    'describeImport',
    'listImports',
  ],
});
