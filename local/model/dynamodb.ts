/**
 * DynamoDB control plane: the fleet's tables (ListTables, DescribeTable, ListTagsOfResource), on-demand
 * backups and point-in-time exports. An export writes to S3, so this backend asks the S3 backend whether
 * the bucket exists. A table may be encrypted under a KMS key of its region (SSEDescription; absent: the
 * AWS owned key), which its backups keep; a restore or import under a key asks the KMS backend whether
 * DynamoDB may use it for the caller (assertKeyUsable). Restores and imports are in dynamodb-restore.ts
 * over the same store. The pipeline's own state table lives in dynalite, not here.
 */

import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  arnPartition,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  RegionStore,
  type ServiceApi,
  type Tag,
  type Timed,
} from './core';
import { DYNAMODB_ESTATE_SEEDS, type DynamoDbSeedOps } from './dynamodb-estates';
import type { EstateSeeding } from './estate-seeds';
import type { KmsBackend } from './kms';
import { type Lifecycle, settle } from './lifecycle';
import { defineModelService } from './registry';
import type { S3Backend } from './s3';

/** How dynamodb answers the core's injected faults (./core.ts ServiceApi): DynamoDB's control plane throttles with ThrottlingException and loses an answer as InternalServerError. */
export const DYNAMODB_API: ServiceApi = {
  name: 'dynamodb',
  throttleCode: 'ThrottlingException',
  throttleStatus: 400,
  internalErrorCode: 'InternalServerError',
};

/** A DynamoDB table of the fleet (the pipeline's own state table lives in dynalite, not here). */
export interface DynamoTableModel {
  TableName: string;
  sizeBytes: number;
  /** Point-in-time recovery: exports need it. */
  pitr: boolean;
  Tags: Tag[];
  backupSeconds: number;
  exportSeconds: number;
  /** A restored or imported table (dynamodb-restore.ts): CREATING → ACTIVE; a deleted one DELETING → gone. */
  status?: 'CREATING' | 'ACTIVE' | 'DELETING';
  lifecycle?: Lifecycle;
  /** Default: one item per KiB. */
  itemCount?: number;
  /** The shape DescribeTable shows beyond the defaults (KeySchema, AttributeDefinitions, BillingModeSummary, RestoreSummary). */
  description?: Record<string, unknown>;
  /** When the table was created (DescribeTable's CreationDateTime): a restored table at its restore call. */
  createdMs?: number;
  /** The KMS key (ARN) the table is encrypted under; absent: the AWS owned key (no SSEDescription). */
  kmsKeyArn?: string;
}

export interface DynamoBackupModel extends Timed {
  BackupArn: string;
  BackupName: string;
  TableName: string;
  sizeBytes: number;
  /** A backup is encrypted as its table was when it was made: a restore keeps that key unless overridden. */
  kmsKeyArn?: string;
}

export interface DynamoExportModel extends Timed {
  ExportArn: string;
  TableName: string;
  S3Bucket: string;
  S3Prefix?: string;
  ExportFormat: string;
  ClientToken?: string;
  /** The point in time exported (ExportTime; default the call's time). */
  exportTimeMs: number;
}

/** How far back ExportTime may reach: the PITR window, 35 days by default (strict: the default only). */
const PITR_WINDOW_MS = 35 * 86_400_000;

/** An ImportTable job (./dynamodb-restore.ts makes and answers them). */
export interface DynamoImportModel extends Timed {
  ImportArn: string;
  TableName: string;
  S3Bucket: string;
  S3KeyPrefix?: string;
  InputFormat: string;
  ClientToken?: string;
  /** The request's TableCreationParameters, echoed by DescribeImport. */
  creation: Record<string, unknown>;
  sizeBytes: number;
  itemCount: number;
  /** Why it fails (no export under the prefix, no bucket, its data archived), or nothing. */
  failure?: { code: string; message: string };
}

/** DynamoDB's per-region state: tables, on-demand backups and exports. */
export interface DynamoRegionState {
  dynamoTables: Map<string, DynamoTableModel>;
  dynamoBackups: Map<string, DynamoBackupModel>;
  dynamoExports: Map<string, DynamoExportModel>;
  /** ImportTable's imports by ARN (dynamodb-restore.ts). */
  dynamoImports: Map<string, DynamoImportModel>;
  /** Tables someone else deletes right after the next ListTables shows them (deleteDynamoTableAfterListing). */
  dynamoVanishing: Set<string>;
}

/** Where an export writes in its bucket, as DynamoDB lays it out: `<prefix>/AWSDynamoDB/<export id>/` (data/ under it). */
export function exportRoot(e: DynamoExportModel): string {
  const prefix = e.S3Prefix ? `${e.S3Prefix.replace(/\/+$/, '')}/` : '';
  return `${prefix}AWSDynamoDB/${e.ExportArn.split('/').pop()}/`;
}

/**
 * What DynamoDB does with a table's KMS key for the caller ("How Amazon DynamoDB uses AWS KMS": the key
 * policy's actions through `kms:ViaService` dynamodb.<region>.amazonaws.com, Encrypt, Decrypt, ReEncrypt*,
 * GenerateDataKey*, CreateGrant, DescribeKey; its CloudTrail events GenerateDataKey, Decrypt, CreateGrant,
 * DescribeKey). Strict: every one is asked, GenerateDataKey* as the GenerateDataKey DynamoDB calls.
 */
export const DYNAMODB_KEY_USE_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;

/** DynamoDB's limits with AWS's defaults (the model's options may override each). */
export const DYNAMODB_LIMITS = {
  /** Exports in progress per account and region. */
  concurrentExportsPerRegion: 300,
};

export class DynamoDbBackend
  extends RegionalBackend<DynamoRegionState>
  implements EstateSeeding<DynamoDbSeedOps>, AuthorizationLookup
{
  private readonly limits = this.core.limitsOf(DYNAMODB_LIMITS);
  /** What it seeds into the sandbox's estates (./estate-seeds.ts). */
  readonly estateSeeds = DYNAMODB_ESTATE_SEEDS;
  /**
   * The regions whose tables exported into each bucket: an export's data is in its bucket, whatever
   * region the table is in, so an import in the bucket's region finds it there (dynamodb-restore.ts).
   */
  private readonly exportRegions = new Map<string, Set<string>>();

  constructor(
    core: ModelCore,
    private readonly s3: S3Backend,
    private readonly kms: KmsBackend,
  ) {
    super(
      core,
      new RegionStore(() => ({
        dynamoTables: new Map(),
        dynamoBackups: new Map(),
        dynamoExports: new Map(),
        dynamoImports: new Map(),
        dynamoVanishing: new Set(),
      })),
    );
  }

  /** A fleet table; `kmsKeyId` (id, ARN or alias of a key in the region) encrypts it under that key. */
  addDynamoTable(
    region: string,
    seed: Partial<DynamoTableModel> & { TableName: string; kmsKeyId?: string },
  ): DynamoTableModel {
    const { kmsKeyId, ...t } = seed;
    const key = kmsKeyId === undefined ? undefined : this.kms.findKmsKey(region, kmsKeyId);
    if (kmsKeyId !== undefined && !key) throw new Error(`addDynamoTable: no KMS key ${kmsKeyId} in ${region}`);
    const sizeBytes = t.sizeBytes ?? 5 * 1024 ** 3;
    const gib = sizeBytes / 1024 ** 3;
    const table: DynamoTableModel = {
      pitr: false,
      Tags: [],
      // On-demand backups are near-instant whatever the size; exports scan the table.
      backupSeconds: t.backupSeconds ?? Math.round(20 + gib * 2 * (0.7 + this.random() * 0.7)),
      exportSeconds: t.exportSeconds ?? Math.round(300 + gib * 40 * (0.7 + this.random() * 0.7)),
      ...t,
      // Every table has a key schema: a table seeded without one gets a string partition key `pk`.
      description: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        ...t.description,
      },
      sizeBytes,
      createdMs: t.createdMs ?? this.nowMs(),
      ...(key ? { kmsKeyArn: key.Arn } : {}),
    };
    this.region(region).dynamoTables.set(table.TableName, table);
    return table;
  }

  /**
   * The key a restore or import encrypts its new table under, checked as DynamoDB checks it before it
   * makes anything: the key must exist in the region and be enabled (else ValidationException, with
   * KMS's NotFoundException or DisabledException text), and the caller's policy must allow each of
   * DYNAMODB_KEY_USE_ACTIONS through DynamoDB (else AccessDeniedException). Answers the key's ARN.
   */
  assertKeyUsable(region: string, ref: string): string {
    const refusal = this.kms.keyUseRefusal(region, ref, 'dynamodb', DYNAMODB_KEY_USE_ACTIONS);
    if (refusal?.reason === 'access-denied')
      throw new AwsApiError(
        'AccessDeniedException',
        `KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: ${refusal.message}`,
      );
    if (refusal?.reason === 'disabled')
      throw new AwsApiError(
        'ValidationException',
        `KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: ${refusal.message}`,
      );
    const key = refusal ? undefined : this.kms.findKmsKey(region, ref);
    if (!key)
      throw new AwsApiError(
        'ValidationException',
        `KMS validation error: com.amazonaws.services.kms.model.NotFoundException: ${refusal?.message ?? ref}`,
      );
    return key.Arn;
  }

  /**
   * The race discovery meets when tables come and go (a drill's restores, another team's tables): the
   * next ListTables still shows `name`, and it is gone before any later call about it.
   */
  deleteDynamoTableAfterListing(region: string, name: string): void {
    this.region(region).dynamoVanishing.add(name);
  }

  /** An on-demand backup that already exists (history for retention). */
  addExistingDynamoBackup(
    region: string,
    b: { TableName: string; BackupName: string; startMs: number; sizeBytes?: number },
  ): DynamoBackupModel {
    const backup: DynamoBackupModel = {
      BackupArn: `${this.dynamoTableArn(region, b.TableName)}/backup/${b.startMs}-${this.nextId('b').slice(2, 10)}`,
      BackupName: b.BackupName,
      TableName: b.TableName,
      sizeBytes: b.sizeBytes ?? 1024 ** 3,
      startMs: b.startMs,
      durationMs: 0,
      ...this.keyOf(region, b.TableName),
    };
    this.region(region).dynamoBackups.set(backup.BackupArn, backup);
    return backup;
  }

  /** The key a table of this region is under now, as a backup of it records it. */
  private keyOf(region: string, name: string): { kmsKeyArn?: string } {
    const arn = this.region(region).dynamoTables.get(name)?.kmsKeyArn;
    return arn ? { kmsKeyArn: arn } : {};
  }

  dynamoTableArn(region: string, name: string): string {
    return `arn:${arnPartition(region)}:dynamodb:${region}:${this.accountId}:table/${name}`;
  }

  /** The table as it is now (a finished restore ACTIVE, a finished delete gone), or `code`. */
  dynamoTable(region: string, name: string | undefined, code = 'ResourceNotFoundException') {
    const table = name ? settle(this.region(region).dynamoTables, name, this.nowMs(), 'status') : undefined;
    if (!table) throw new AwsApiError(code, `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  /** The table an ARN names, when it is this account's in this region: another account's is not found here. */
  tableOfArn(region: string, arn: string | undefined, code = 'ResourceNotFoundException') {
    const match = /^arn:[^:]+:dynamodb:([^:]+):([^:]+):table\/([^/]+)$/.exec(arn ?? '');
    if (!match || match[1] !== region || match[2] !== this.accountId)
      throw new AwsApiError(code, `Requested resource not found: ResourceArn: ${arn} not found`);
    return this.dynamoTable(region, match[3], code);
  }

  listTables(region: string, input: { ExclusiveStartTableName?: string; Limit?: number }) {
    this.gate(DYNAMODB_API, 'ListTables');
    const tables = this.region(region).dynamoTables;
    const names = [...tables.keys()].filter((n) => settle(tables, n, this.nowMs(), 'status')).sort();
    const from = input.ExclusiveStartTableName ? names.findIndex((n) => n > (input.ExclusiveStartTableName ?? '')) : 0;
    const start = from < 0 ? names.length : from;
    const limit = Math.min(Math.max(input.Limit ?? 100, 1), 100);
    const page = names.slice(start, start + limit);
    const more = start + limit < names.length;
    const vanishing = this.region(region).dynamoVanishing;
    for (const name of page.filter((n) => vanishing.has(n))) {
      tables.delete(name);
      vanishing.delete(name);
    }
    return { TableNames: page, ...(more ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
  }

  describeTable(region: string, input: { TableName?: string }) {
    this.gate(DYNAMODB_API, 'DescribeTable');
    const table = this.dynamoTable(region, input.TableName);
    return { Table: this.tableDescription(region, table) };
  }

  /** A table as DescribeTable (and the restore operations' answers) show it. */
  tableDescription(region: string, table: DynamoTableModel) {
    const status = table.status ?? 'ACTIVE';
    const restore = table.description?.RestoreSummary as Record<string, unknown> | undefined;
    return {
      TableName: table.TableName,
      TableArn: this.dynamoTableArn(region, table.TableName),
      TableStatus: status,
      CreationDateTime: new Date(table.createdMs ?? 0),
      TableSizeBytes: table.sizeBytes,
      ItemCount: table.itemCount ?? Math.round(table.sizeBytes / 1024),
      ...table.description,
      ...(table.kmsKeyArn
        ? { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: table.kmsKeyArn } }
        : {}),
      // A restore is in progress while its table is being created, and over once it is ACTIVE.
      ...(restore ? { RestoreSummary: { ...restore, RestoreInProgress: status === 'CREATING' } } : {}),
    };
  }

  hasDynamoTable(region: string, name: unknown): boolean {
    return (
      typeof name === 'string' && settle(this.region(region).dynamoTables, name, this.nowMs(), 'status') !== undefined
    );
  }

  listTagsOfResource(region: string, input: { ResourceArn?: string; NextToken?: string }) {
    this.gate(DYNAMODB_API, 'ListTagsOfResource');
    const table = this.tableOfArn(region, input.ResourceArn);
    // DynamoDB answers not found for a table that is not ACTIVE (API reference, ListTagsOfResource errors):
    // a table being created (a restore, an import) or deleted has no tags to read yet.
    if ((table.status ?? 'ACTIVE') !== 'ACTIVE')
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Requested resource not found: ResourceArn: ${input.ResourceArn} is ${table.status}`,
      );
    // Ten tags a page, as the real API pages them: callers must follow NextToken.
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = table.Tags.slice(start, start + 10);
    return { Tags: page, ...(start + 10 < table.Tags.length ? { NextToken: String(start + 10) } : {}) };
  }

  dynamoBackupStatus(b: DynamoBackupModel): 'CREATING' | 'AVAILABLE' | 'DELETED' {
    const { state } = this.phase(b);
    return state === 'pending' ? 'CREATING' : state === 'completed' ? 'AVAILABLE' : 'DELETED';
  }

  private dynamoBackupDetails(b: DynamoBackupModel) {
    return {
      BackupArn: b.BackupArn,
      BackupName: b.BackupName,
      BackupSizeBytes: b.sizeBytes,
      BackupStatus: this.dynamoBackupStatus(b),
      BackupType: 'USER',
      BackupCreationDateTime: new Date(b.startMs),
    };
  }

  createBackup(region: string, input: { TableName?: string; BackupName?: string }) {
    this.gate(DYNAMODB_API, 'CreateBackup');
    const table = this.dynamoTable(region, input.TableName, 'TableNotFoundException');
    const name = input.BackupName ?? '';
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
      throw new AwsApiError('ValidationException', `Invalid BackupName: ${name}`);
    const startMs = this.nowMs();
    const backup: DynamoBackupModel = {
      BackupArn: `${this.dynamoTableArn(region, table.TableName)}/backup/${startMs}-${this.nextId('b').slice(2, 10)}`,
      BackupName: name,
      TableName: table.TableName,
      sizeBytes: table.sizeBytes,
      ...this.timing(table.backupSeconds),
      ...(table.kmsKeyArn ? { kmsKeyArn: table.kmsKeyArn } : {}),
    };
    this.region(region).dynamoBackups.set(backup.BackupArn, backup);
    return this.created(DYNAMODB_API, { BackupDetails: this.dynamoBackupDetails(backup) });
  }

  dynamoBackup(region: string, arn: string | undefined): DynamoBackupModel {
    const backup = arn ? this.region(region).dynamoBackups.get(arn) : undefined;
    if (!backup) throw new AwsApiError('BackupNotFoundException', `Backup not found: ${arn}`);
    return backup;
  }

  describeBackup(region: string, input: { BackupArn?: string }) {
    this.gate(DYNAMODB_API, 'DescribeBackup');
    const backup = this.dynamoBackup(region, input.BackupArn);
    return {
      BackupDescription: {
        BackupDetails: this.dynamoBackupDetails(backup),
        SourceTableDetails: {
          TableName: backup.TableName,
          TableArn: this.dynamoTableArn(region, backup.TableName),
          TableSizeBytes: backup.sizeBytes,
        },
      },
    };
  }

  listBackups(
    region: string,
    input: { TableName?: string; BackupType?: string; ExclusiveStartBackupArn?: string; Limit?: number },
  ) {
    this.gate(DYNAMODB_API, 'ListBackups');
    const all = [...this.region(region).dynamoBackups.values()]
      .filter((b) => !input.TableName || b.TableName === input.TableName)
      .sort((a, b) => a.BackupArn.localeCompare(b.BackupArn));
    const from = input.ExclusiveStartBackupArn
      ? all.findIndex((b) => b.BackupArn === input.ExclusiveStartBackupArn) + 1
      : 0;
    const limit = Math.min(Math.max(input.Limit ?? 100, 1), 100);
    const page = all.slice(from, from + limit);
    return {
      BackupSummaries: page.map((b) => ({
        TableName: b.TableName,
        TableArn: this.dynamoTableArn(region, b.TableName),
        ...this.dynamoBackupDetails(b),
      })),
      ...(from + limit < all.length ? { LastEvaluatedBackupArn: page[page.length - 1]?.BackupArn } : {}),
    };
  }

  deleteBackup(region: string, input: { BackupArn?: string }) {
    this.gate(DYNAMODB_API, 'DeleteBackup');
    const backup = this.dynamoBackup(region, input.BackupArn);
    if (this.dynamoBackupStatus(backup) === 'CREATING')
      throw new AwsApiError('BackupInUseException', `Backup ${backup.BackupArn} is being created.`);
    this.region(region).dynamoBackups.delete(backup.BackupArn);
    return { BackupDescription: { BackupDetails: { ...this.dynamoBackupDetails(backup), BackupStatus: 'DELETED' } } };
  }

  private dynamoExportDescription(region: string, e: DynamoExportModel) {
    const { state } = this.phase(e);
    return {
      ExportArn: e.ExportArn,
      ExportStatus: state === 'pending' ? 'IN_PROGRESS' : state === 'completed' ? 'COMPLETED' : 'FAILED',
      TableArn: this.dynamoTableArn(region, e.TableName),
      S3Bucket: e.S3Bucket,
      ...(e.S3Prefix ? { S3Prefix: e.S3Prefix } : {}),
      ExportManifest: `${exportRoot(e)}manifest-summary.json`,
      ExportFormat: e.ExportFormat,
      ...(e.ClientToken ? { ClientToken: e.ClientToken } : {}),
      ExportTime: new Date(e.exportTimeMs),
      StartTime: new Date(e.startMs),
      ...(state === 'error' ? { FailureCode: 'S3AccessDenied', FailureMessage: 'Export failed (injected fault)' } : {}),
      ...(state === 'completed' ? { EndTime: new Date(e.startMs + e.durationMs) } : {}),
    };
  }

  exportTableToPointInTime(
    region: string,
    input: {
      TableArn?: string;
      S3Bucket?: string;
      S3Prefix?: string;
      ExportFormat?: string;
      ClientToken?: string;
      ExportTime?: Date | number | string;
    },
  ) {
    this.gate(DYNAMODB_API, 'ExportTableToPointInTime');
    const table = this.tableOfArn(region, input.TableArn, 'TableNotFoundException');
    if (!input.S3Bucket) throw new AwsApiError('ValidationException', 'S3Bucket is required');
    // The bucket may be in any region ("Requesting a table export in DynamoDB"), but it must exist.
    if (!this.s3.buckets.has(input.S3Bucket))
      throw new AwsApiError('ValidationException', `S3 bucket ${input.S3Bucket} does not exist`);
    // The wire gives epoch seconds; the SDK in process a Date.
    const asked = input.ExportTime;
    const exportTimeMs =
      asked === undefined ? this.nowMs() : typeof asked === 'number' ? asked * 1000 : new Date(asked).getTime();
    if (Number.isNaN(exportTimeMs) || exportTimeMs > this.nowMs() || exportTimeMs < this.nowMs() - PITR_WINDOW_MS)
      throw new AwsApiError(
        'InvalidExportTimeException',
        'The specified ExportTime is outside of the point in time recovery window.',
      );
    const r = this.region(region);
    if (input.ClientToken) {
      // Idempotent per client token (AWS keeps it 8 hours): the same request returns the same export.
      const earlier = [...r.dynamoExports.values()].find((e) => e.ClientToken === input.ClientToken);
      if (earlier) {
        if (
          earlier.TableName !== table.TableName ||
          earlier.S3Bucket !== input.S3Bucket ||
          earlier.S3Prefix !== input.S3Prefix ||
          (input.ExportTime !== undefined && earlier.exportTimeMs !== exportTimeMs)
        )
          throw new AwsApiError('ExportConflictException', `Export with client token ${input.ClientToken} differs`);
        return { ExportDescription: this.dynamoExportDescription(region, earlier) };
      }
    }
    if (!table.pitr)
      throw new AwsApiError(
        'PointInTimeRecoveryUnavailableException',
        `Point in time recovery is not enabled for table '${table.TableName}'`,
      );
    const running = [...r.dynamoExports.values()].filter((e) => this.phase(e).state === 'pending').length;
    if (running >= this.limits.concurrentExportsPerRegion)
      throw new AwsApiError(
        'LimitExceededException',
        `There are ${running} exports in progress; up to ${this.limits.concurrentExportsPerRegion} may run at once.`,
      );
    const startMs = this.nowMs();
    const exported: DynamoExportModel = {
      ExportArn: `${this.dynamoTableArn(region, table.TableName)}/export/${startMs}-${this.nextId('e').slice(2, 10)}`,
      TableName: table.TableName,
      S3Bucket: input.S3Bucket,
      ...(input.S3Prefix ? { S3Prefix: input.S3Prefix } : {}),
      ExportFormat: input.ExportFormat ?? 'DYNAMODB_JSON',
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
      exportTimeMs,
      ...this.timing(table.exportSeconds),
    };
    r.dynamoExports.set(exported.ExportArn, exported);
    const regions = this.exportRegions.get(input.S3Bucket) ?? new Set<string>();
    this.exportRegions.set(input.S3Bucket, regions.add(region));
    // Made: a lost answer (fault lostAnswers) is retried by the SDK, and the client token returns it.
    return this.created(DYNAMODB_API, { ExportDescription: this.dynamoExportDescription(region, exported) });
  }

  describeExport(region: string, input: { ExportArn?: string }) {
    this.gate(DYNAMODB_API, 'DescribeExport');
    const exported = input.ExportArn ? this.region(region).dynamoExports.get(input.ExportArn) : undefined;
    if (!exported) throw new AwsApiError('ExportNotFoundException', `Export not found: ${input.ExportArn}`);
    return { ExportDescription: this.dynamoExportDescription(region, exported) };
  }

  dynamoBackups(region: string) {
    return [...this.region(region).dynamoBackups.values()].map((b) => ({
      TableName: b.TableName,
      ...this.dynamoBackupDetails(b),
    }));
  }

  /** The regions whose tables exported into the bucket. */
  exportRegionsOf(bucket: string): string[] {
    return [...(this.exportRegions.get(bucket) ?? [])];
  }

  dynamoExports(region: string) {
    return [...this.region(region).dynamoExports.values()].map((e) => this.dynamoExportDescription(region, e));
  }

  /**
   * What IAM sees of what a DynamoDB call names (./authorization.ts): a backup's name, which carries its
   * ownership (on-demand backups take no tags); the target table of a restore, whose items DynamoDB writes
   * with the caller's item permissions; a table's tags, on which the clean-up's conditions are evaluated.
   */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    switch (action) {
      case 'dynamodb:DeleteBackup': {
        const name = r.dynamoBackups.get(String(input.BackupArn))?.BackupName;
        return name === undefined ? {} : { resourceName: name };
      }
      case 'dynamodb:RestoreTableFromBackup':
        return { tableName: String(input.TargetTableName) };
      case 'dynamodb:DeleteTable':
        return { resourceTags: tagValues(r.dynamoTables.get(String(input.TableName))?.Tags) };
      default:
        return undefined;
    }
  }
}

export const dynamoDbModel = defineModelService({
  name: 'dynamodb',
  needs: ['s3', 'kms'],
  build: (core, { s3, kms }: { s3: S3Backend; kms: KmsBackend }) => new DynamoDbBackend(core, s3, kms),
  operations: [
    'addDynamoTable',
    'addExistingDynamoBackup',
    'dynamoTableArn',
    'listTables',
    'describeTable',
    'hasDynamoTable',
    'listTagsOfResource',
    'createBackup',
    'describeBackup',
    'listBackups',
    'deleteBackup',
    'exportTableToPointInTime',
    'describeExport',
    'dynamoBackups',
    'dynamoExports',
    'deleteDynamoTableAfterListing',
  ],
  limits: DYNAMODB_LIMITS,
  hooks: {
    finishedAtMs: (dynamodb, region, id) => {
      const r = dynamodb.region(region);
      const done = r.dynamoBackups.get(id) ?? r.dynamoExports.get(id);
      return done && finishedAt(done);
    },
  },
});
