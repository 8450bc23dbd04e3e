/**
 * DynamoDB tables, in one of two modes (shared/services/modes.ts; `backup` unless the ref says otherwise):
 *
 * - `backup`: CreateBackup, polled with DescribeBackup. On-demand backups cannot carry tags, so
 *   ownership lives in the backup's name, `bp.<stack>.<tier>.<expires-at>.<run hash>` ('.' never
 *   occurs in a stack or tier name): retention deletes only backups whose name parses with this
 *   stack, and reads expiry from it. A retry looks the name up (ListBackups) before creating.
 * - `export`: ExportTableToPointInTime into the stack's backup bucket under
 *   `dynamodb-exports/<tier>/<table>/<run>/`, polled with DescribeExport. The client token is
 *   derived from run and table, so a retried start gets the same export back, never a second. A
 *   table without point-in-time recovery is FAILED with that reason. Exports are expired by the
 *   bucket's per-tier lifecycle rules, not by Apply retention.
 *
 * Copies to a recovery region: an export is exported again into that region's recovery bucket, an
 * on-demand backup is not copied (./export-copy.ts).
 *
 * Discovery: DynamoDB has no server-side tag filter, so tables are listed and each one's tags read
 * (one ListTagsOfResource per table); each selected table is then described once (DescribeTable: its
 * key schema, billing and indexes are what an export's restore needs, ./table-settings.ts). Tables come
 * and go while this runs (the drills' own restores weekly): one deleted since ListTables, or not ACTIVE
 * (its tags unreadable), is skipped and logged.
 */
import { createHash } from 'node:crypto';
import {
  CreateBackupCommand,
  DeleteBackupCommand,
  DescribeBackupCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  ListBackupsCommand,
  type ListBackupsCommandOutput,
  ListTagsOfResourceCommand,
  paginateListTables,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import {
  aws,
  awsErrorName,
  ConfigurationError,
  InvalidResourceStateError,
  ResourceNotFoundError,
  rethrowAws,
} from '../../errors';
import { logger } from '../../lambda/powertools';
import { EXPORT_PREFIX } from '../../names';
import { partitionOf, type ResourceRef } from '../../resource';
import { matchesTags, type OwnershipTagValues, resourceTagsOf, tagValue } from '../../tags';
import type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from '../driver';
import { MODE_TAG } from '../modes';
import { RESOLVE_CONCURRENCY, retryThrottledLookup } from '../resolve';
import { dynamoTableArn } from './catalog';
import { dynamoClient, dynamoCreateClient } from './client';
import { BACKUP_NOT_COPIED, copyExport } from './export-copy';
import { dynamodbTableRestoreSettings } from './table-settings';

const NAME_PREFIX = 'bp';

/** `2026-01-12T02:00:00.000Z` → `20260112T020000Z` (backup names allow only [a-zA-Z0-9_.-]). */
const compactTime = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
const runHash = (runId: string) => createHash('sha256').update(runId).digest('hex').slice(0, 12);

/** The owner as a backup name holds it: `@` (not allowed in names) becomes `_` (not in stack names). */
const nameOwner = (managedBy: string) => managedBy.replace('@', '_');

/** The deterministic, ownership-bearing name of a run's backup of a table. */
export function dynamoBackupName(tags: OwnershipTagValues): string {
  return [NAME_PREFIX, nameOwner(tags.stackName), tags.tier, compactTime(tags.expiresAt), runHash(tags.runId)].join(
    '.',
  );
}

/** What a backup name says about its owner, or undefined for a name this pipeline did not give. */
export function parseBackupName(
  name: string | undefined,
): { stackName: string; tier: string; expiresAt: Date | undefined; run: string } | undefined {
  const parts = (name ?? '').split('.');
  if (parts.length !== 5 || parts[0] !== NAME_PREFIX) return undefined;
  const [, stackName = '', tier = '', expires = '', run = ''] = parts;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(expires);
  const expiresAt = match
    ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`)
    : undefined;
  return { stackName, tier, expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined, run };
}

/** Where a run's export of a table is written in the backup bucket (the lifecycle rules key on the tier). */
export function exportPrefix(tier: string, table: string, runId: string): string {
  return `${EXPORT_PREFIX}/${tier}/${table}/${runId.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** ExportTableToPointInTime's idempotency token: one per run and table. */
export function exportClientToken(runId: string, tableArn: string): string {
  return createHash('sha256').update(`${runId}|${tableArn}`).digest('hex').slice(0, 36);
}

async function tableTags(region: string, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let token: string | undefined;
  do {
    const page = await dynamoClient(region).send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }));
    tags.push(...(page.Tags ?? []));
    token = page.NextToken;
  } while (token);
  return tags;
}

function discovered(ref: ResourceRef, tags: Tag[], table: TableDescription | undefined): Discovered {
  const modeTag = tagValue(tags, MODE_TAG);
  const restoreSettings = table ? dynamodbTableRestoreSettings(table) : undefined;
  return {
    ref,
    ...(modeTag === undefined ? {} : { modeTag }),
    resourceTags: resourceTagsOf(tags),
    ...(restoreSettings ? { restoreSettings } : {}),
  };
}

/**
 * The table's description, for its restore settings (an export holds no table definition): one
 * DescribeTable per selected table, since DynamoDB has no batch describe; undefined when it is gone.
 */
async function describeSelected(region: string, name: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamoClient(region).send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    rethrowAws(`DynamoDB DescribeTable ${name}`, error);
  }
}

async function findBackupByName(region: string, table: string, name: string): Promise<string | undefined> {
  let start: string | undefined;
  do {
    const page: ListBackupsCommandOutput = await aws(`DynamoDB ListBackups ${table}`, () =>
      dynamoClient(region).send(
        new ListBackupsCommand({ TableName: table, BackupType: 'USER', ExclusiveStartBackupArn: start }),
      ),
    );
    const found = page.BackupSummaries?.find((b) => b.BackupName === name);
    if (found?.BackupArn) return found.BackupArn;
    start = page.LastEvaluatedBackupArn;
  } while (start);
  return undefined;
}

async function checkBackup(region: string, arn: string): Promise<CheckResult> {
  try {
    const out = await dynamoClient(region).send(new DescribeBackupCommand({ BackupArn: arn }));
    const status = out.BackupDescription?.BackupDetails?.BackupStatus;
    if (status === 'AVAILABLE') return { status: 'COMPLETED', progress: 100 };
    if (status === 'CREATING') return { status: 'CREATING', progress: undefined };
    return { status: 'FAILED', reason: `DynamoDB backup ${arn} is ${status ?? 'in an unknown state'}` };
  } catch (error) {
    if (awsErrorName(error) === 'BackupNotFoundException')
      return { status: 'FAILED', reason: `DynamoDB backup ${arn} disappeared` };
    rethrowAws(`DynamoDB DescribeBackup ${arn}`, error);
  }
}

async function checkExport(region: string, arn: string): Promise<CheckResult> {
  try {
    const out = await dynamoClient(region).send(new DescribeExportCommand({ ExportArn: arn }));
    const description = out.ExportDescription;
    if (description?.ExportStatus === 'COMPLETED') return { status: 'COMPLETED', progress: 100 };
    if (description?.ExportStatus === 'IN_PROGRESS') return { status: 'CREATING', progress: undefined };
    const why = [description?.FailureCode, description?.FailureMessage].filter(Boolean).join(': ');
    return { status: 'FAILED', reason: `DynamoDB export ${arn} failed${why ? `: ${why}` : ''}` };
  } catch (error) {
    if (awsErrorName(error) === 'ExportNotFoundException')
      return { status: 'FAILED', reason: `DynamoDB export ${arn} disappeared` };
    rethrowAws(`DynamoDB DescribeExport ${arn}`, error);
  }
}

export const dynamoBackupStore: BackupStore = {
  kind: 'dynamodb-backup',

  async listOwned(region, owners) {
    const byName = new Map([owners].flat().map((owner) => [nameOwner(owner), owner]));
    const owned: OwnedBackup[] = [];
    let start: string | undefined;
    do {
      const page: ListBackupsCommandOutput = await aws('DynamoDB ListBackups (owned)', () =>
        dynamoClient(region).send(new ListBackupsCommand({ BackupType: 'USER', ExclusiveStartBackupArn: start })),
      );
      for (const b of page.BackupSummaries ?? []) {
        const name = parseBackupName(b.BackupName);
        const managedBy = name ? byName.get(name.stackName) : undefined;
        if (!b.BackupArn || !name || !managedBy) continue;
        owned.push({
          kind: 'dynamodb-backup',
          id: b.BackupArn,
          region,
          source: b.TableArn,
          tier: name.tier,
          runId: name.run,
          managedBy,
          createdAt: b.BackupCreationDateTime ?? new Date(0),
          expiresAt: name.expiresAt,
          complete: b.BackupStatus === 'AVAILABLE',
          heldBy: [],
        });
      }
      start = page.LastEvaluatedBackupArn;
    } while (start);
    return owned;
  },

  async delete(backup) {
    await aws(`DynamoDB DeleteBackup ${backup.id}`, () =>
      dynamoClient(backup.region).send(new DeleteBackupCommand({ BackupArn: backup.id })),
    );
  },
};

export const dynamoTableDriver: ResourceDriver = {
  type: 'dynamodb-table',
  store: dynamoBackupStore,
  // An export's client token returns the same export; a backup's name is not unique.
  idempotentCreate: (resource) => resource.mode === 'export',

  async discover(region, tags, accountId) {
    const names: string[] = [];
    await aws('DynamoDB ListTables (discover)', async () => {
      for await (const page of paginateListTables({ client: dynamoClient(region) }, {}))
        names.push(...(page.TableNames ?? []));
    });
    // One ListTagsOfResource per table (DynamoDB has no tag filter): a few at once, each retried alone
    // when throttled, so one throttle does not redo every table's lookup.
    const found: (Discovered | undefined)[] = new Array(names.length);
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const index = next++;
        const name = names[index] as string;
        const ref: ResourceRef = {
          arn: dynamoTableArn(partitionOf(region), region, accountId, name),
          type: 'dynamodb-table',
          region,
          accountId,
          id: name,
        };
        // A table listed a moment ago may be gone (deleted meanwhile) or still being created (DynamoDB shows
        // no tags until it is ACTIVE): either is skipped and logged, never a failure of the region.
        const tableTagList = await retryThrottledLookup(() =>
          aws(`DynamoDB ListTagsOfResource ${name}`, () => tableTags(region, ref.arn)),
        ).catch((error: unknown) => {
          if (error instanceof ResourceNotFoundError) return undefined;
          throw error;
        });
        if (!tableTagList) {
          logger.warn(`DynamoDB table ${name} in ${region} skipped: deleted or not ACTIVE since it was listed`);
          continue;
        }
        if (!matchesTags(tableTagList, tags)) continue;
        const table = await retryThrottledLookup(() => describeSelected(region, name));
        if (!table || table.TableStatus === 'DELETING') {
          logger.warn(`DynamoDB table ${name} in ${region} skipped: deleted since its tags were read`);
          continue;
        }
        found[index] = discovered(ref, tableTagList, table);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, names.length) }, worker));
    return found.filter((d): d is Discovered => d !== undefined);
  },

  async resolve(ref) {
    const described = await aws(`DynamoDB DescribeTable ${ref.id}`, () =>
      dynamoClient(ref.region).send(new DescribeTableCommand({ TableName: ref.id })),
    ).catch((error: unknown) => {
      if (error instanceof ResourceNotFoundError)
        throw new ResourceNotFoundError(`DynamoDB table ${ref.id} not found in ${ref.region}`, { cause: error });
      throw error;
    });
    const tags = await aws(`DynamoDB ListTagsOfResource ${ref.id}`, () => tableTags(ref.region, ref.arn));
    return discovered(ref, tags, described.Table);
  },

  async start({ resource, tags, runId, mayExist, exportBucket }) {
    if (resource.mode === 'export') {
      if (!exportBucket) throw new ConfigurationError('export mode needs the backup bucket (BACKUP_BUCKET is not set)');
      const bucket = exportBucket;
      try {
        // The same client token on a retry returns the export already started (DynamoDB keeps it 8 h).
        const out = await dynamoClient(resource.region).send(
          new ExportTableToPointInTimeCommand({
            TableArn: resource.arn,
            S3Bucket: bucket,
            S3Prefix: exportPrefix(tags.tier, resource.id, runId),
            ExportFormat: 'DYNAMODB_JSON',
            S3SseAlgorithm: 'AES256',
            ClientToken: exportClientToken(runId, resource.arn),
          }),
        );
        const arn = out.ExportDescription?.ExportArn;
        if (!arn) throw new InvalidResourceStateError(`DynamoDB returned no export for ${resource.id}`);
        return { backupIds: [arn], reused: mayExist };
      } catch (error) {
        if (awsErrorName(error) === 'PointInTimeRecoveryUnavailableException') {
          throw new InvalidResourceStateError(
            `DynamoDB table ${resource.id} has no point-in-time recovery, which export needs: enable PITR or use mode "backup"`,
            { cause: error },
          );
        }
        rethrowAws(`DynamoDB ExportTableToPointInTime ${resource.id}`, error);
      }
    }
    const name = dynamoBackupName(tags);
    if (mayExist) {
      const existing = await findBackupByName(resource.region, resource.id, name);
      if (existing) return { backupIds: [existing], reused: true };
    }
    const out = await aws(`DynamoDB CreateBackup ${resource.id}`, () =>
      // Never retried by the SDK: backup names are not unique, a retry after a lost answer makes a second.
      dynamoCreateClient(resource.region).send(new CreateBackupCommand({ TableName: resource.id, BackupName: name })),
    );
    const details = out.BackupDetails;
    if (!details?.BackupArn) throw new InvalidResourceStateError(`DynamoDB returned no backup for ${resource.id}`);
    const size = details.BackupSizeBytes;
    return {
      backupIds: [details.BackupArn],
      reused: false,
      ...(typeof size === 'number' ? { sizeGiB: Math.ceil(size / 1024 ** 3) } : {}),
    };
  },

  check(resource, backupIds) {
    const id = backupIds[0];
    if (!id) return Promise.resolve({ status: 'FAILED', reason: 'no backup or export recorded' });
    return id.includes('/export/') ? checkExport(resource.region, id) : checkBackup(resource.region, id);
  },

  notCopied: (resource) => (resource.mode === 'export' ? undefined : BACKUP_NOT_COPIED),

  copy: (resource, request) =>
    Promise.resolve(resource.mode === 'export' ? copyExport(resource, request) : { notCopied: BACKUP_NOT_COPIED }),

  // The DR export is made, and lives, in the table's region (./export-copy.ts).
  checkCopy(resource, _region, copyIds) {
    const id = copyIds[0];
    if (!id) return Promise.resolve({ status: 'FAILED', reason: 'no DR export recorded' });
    return checkExport(resource.region, id);
  },
};
