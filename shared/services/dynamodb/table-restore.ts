/**
 * Restore of a DynamoDB table's on-demand backup: the table's name is recorded on the restore's record,
 * then RestoreTableFromBackup makes the table under it. AWS's restore takes no tags, and DynamoDB neither
 * tags a table nor shows its tags while it is CREATING (TagResource: ResourceInUseException;
 * ListTagsOfResource: ResourceNotFoundException), so the check tags it with the restore tags once it is
 * ACTIVE. Also the steps the export restore (./table-import.ts) shares: the table's description and tags,
 * its check (ACTIVE = AVAILABLE, with item count, size and key schema) and its removal.
 *
 * Ownership of a table not tagged yet: a retried start adopts it when its RestoreSummary names this very
 * backup and it carries no restore tags (or cannot show them yet). Clean-up deletes only the table the
 * record names, and an untagged one only with proof that this restore's call made it: restored from the
 * restore's own backup and created after the restore started (an import: made by the import carrying
 * this restore's client token). It tags such a table before deleting it, so that DeleteTable's
 * restored-by condition holds. A table carrying another restore's tags, or none without that proof, is
 * never touched; clean-up says gone only once DescribeTable no longer finds the table.
 */
import {
  DeleteTableCommand,
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  RestoreTableFromBackupCommand,
  type TableDescription,
  TagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  ResourceNotFoundError,
  rethrowAws,
} from '../../errors';
import { type Tag, tagValue } from '../../tags';
import {
  type NameCheckRequest,
  type NameHolder,
  RESTORE_TAG,
  type RestoreCheck,
  type RestoreContext,
  type RestoreDriver,
  type RestoreRequest,
  type RestoreTagValues,
  restoreTags,
} from '../restore';
import { dynamoClient } from './client';
import { restoredNameProblem } from './restored-name';

/** The table named so, or undefined when there is none. */
export async function describeTable(region: string, name: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamoClient(region).send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    rethrowAws(`DynamoDB DescribeTable ${name}`, error);
  }
}

export async function tagsOf(region: string, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let token: string | undefined;
  do {
    const page = await aws(`DynamoDB ListTagsOfResource ${arn}`, () =>
      dynamoClient(region).send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token })),
    );
    for (const t of page.Tags ?? [])
      if (t.Key !== undefined && t.Value !== undefined) tags.push({ Key: t.Key, Value: t.Value });
    token = page.NextToken;
  } while (token);
  return tags;
}

/** True when the table carries none of the restore tags: no restore (ours or another) has claimed it. */
export const untagged = (tags: readonly Tag[]) =>
  !tags.some((t) => Object.values(RESTORE_TAG).some((k) => k === t.Key));

/** The table's tags, or undefined while DynamoDB cannot show them (a table that is not ACTIVE is not found). */
async function readableTags(region: string, table: TableDescription): Promise<Tag[] | undefined> {
  if (table.TableStatus !== 'ACTIVE' || !table.TableArn) return undefined;
  try {
    return await tagsOf(region, table.TableArn);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Tags an ACTIVE restored table with the restore tags unless it carries them: undefined when done, or
 * why it cannot be (another restore's table under this name).
 */
export async function tagWhenActive(
  region: string,
  table: TableDescription,
  tags: RestoreTagValues,
): Promise<string | undefined> {
  const arn = table.TableArn;
  if (!arn) return `DynamoDB table ${table.TableName} has no ARN`;
  const current = await tagsOf(region, arn);
  const owner = tagValue(current, RESTORE_TAG.restoreId);
  if (owner === tags.restoreId) return undefined;
  if (owner !== undefined)
    return `DynamoDB table ${table.TableName} carries restore ${owner}'s tags, not this restore's`;
  await aws(`DynamoDB TagResource ${arn}`, () =>
    dynamoClient(region).send(new TagResourceCommand({ ResourceArn: arn, Tags: restoreTags(tags) })),
  );
  return undefined;
}

/** The table holding the name a restore would give its table (being created or deleted counts), with its restore id. */
export async function tableNameHolder(
  request: Pick<NameCheckRequest, 'region' | 'name'>,
): Promise<NameHolder | undefined> {
  const table = await describeTable(request.region, request.name);
  if (!table) return undefined;
  const tags = table.TableStatus === 'DELETING' ? [] : await readableTags(request.region, table);
  const restoreId = tagValue(tags, RESTORE_TAG.restoreId);
  return { what: `DynamoDB table ${request.name} exists in ${request.region}`, ...(restoreId ? { restoreId } : {}) };
}

/**
 * What start finds under the requested name: nothing (false: restore it), this restore's table (true:
 * reused; tagged by its restore-id, or untagged and `madeByThisRestore` proves its origin), or someone
 * else's (NameInUseError). A table being created shows no tags, so only the proof can adopt it.
 */
export async function claimName(
  request: RestoreRequest,
  madeByThisRestore: (table: TableDescription) => boolean | Promise<boolean>,
): Promise<boolean> {
  const table = await describeTable(request.region, request.name);
  if (!table) return false;
  const tags = table.TableStatus === 'DELETING' ? [] : await readableTags(request.region, table);
  if (tags && tagValue(tags, RESTORE_TAG.restoreId) === request.restoreId) return true;
  if (table.TableStatus !== 'DELETING' && (!tags || untagged(tags)) && (await madeByThisRestore(table))) return true;
  throw new NameInUseError(
    `DynamoDB table ${request.name} exists in ${request.region}: nothing restored, nothing touched`,
  );
}

/** The codes AWS refuses a create's table name with: taken, or being created or deleted. */
export const NAME_TAKEN = new Set(['TableAlreadyExistsException', 'TableInUseException', 'ResourceInUseException']);

const keySchemaOf = (table: TableDescription) =>
  (table.KeySchema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ');

/** The restored table's state: CREATING (or a restore in progress) RESTORING, ACTIVE AVAILABLE with its shape. */
export function tableCheck(name: string, table: TableDescription | undefined): RestoreCheck {
  if (!table) return { status: 'FAILED', reason: `restored DynamoDB table ${name} is gone` };
  const state = table.TableStatus ?? 'unknown';
  if (state === 'CREATING' || state === 'UPDATING' || table.RestoreSummary?.RestoreInProgress)
    return { status: 'RESTORING', state: state.toLowerCase() };
  if (state === 'ACTIVE') {
    return {
      status: 'AVAILABLE',
      shape: {
        tableName: name,
        itemCount: table.ItemCount ?? 0,
        sizeBytes: table.TableSizeBytes ?? 0,
        keySchema: keySchemaOf(table),
        billingMode: table.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
      },
    };
  }
  return { status: 'FAILED', reason: `restored DynamoDB table ${name} is ${state}` };
}

/**
 * The restored table's check: its state, and once it is ACTIVE the restore tags (DynamoDB takes none
 * sooner). A tagging refused because the table changed state meanwhile is retried at the next check.
 */
export async function checkAndTag(
  region: string,
  name: string,
  context: RestoreContext | undefined,
): Promise<RestoreCheck> {
  const table = await describeTable(region, name);
  const checked = tableCheck(name, table);
  if (checked.status !== 'AVAILABLE' || !table || !context) return checked;
  try {
    const problem = await tagWhenActive(region, table, context.tags);
    return problem ? { status: 'FAILED', reason: problem } : checked;
  } catch (error) {
    if (awsErrorName((error as { cause?: unknown }).cause) === 'ResourceInUseException')
      return { status: 'RESTORING', state: 'tagging' };
    throw error;
  }
}

/** Refuses, before any call, a name the pipeline may not write to (./restored-name.ts). */
export function assertRestoredName(name: string): void {
  const problem = restoredNameProblem(name);
  if (problem) throw new InvalidInputError([{ field: 'name', message: problem }]);
}

/** A minute of clock skew between the Lambda that recorded the start and DynamoDB's CreationDateTime. */
const SKEW_MS = 60_000;

/** Whether DynamoDB created the table after the restore started (so an earlier table of that name is not it). */
export const createdSince = (table: TableDescription, context: RestoreContext) =>
  table.CreationDateTime !== undefined && table.CreationDateTime.getTime() >= Date.parse(context.startedAt) - SKEW_MS;

/**
 * Deletes the restored table the record names when it carries `restoredBy`, or when it is untagged and
 * `provenOurs` says this restore's call made it (tagged first, so that DeleteTable's tag condition
 * holds); any other is refused. DynamoDB deletes only an ACTIVE table: one being created reads
 * `deleting` until a later call can delete it, and a DELETING one too. `gone` only when DescribeTable
 * no longer finds the table.
 */
export async function removeTable(
  region: string,
  name: string,
  restoredBy: string,
  context: RestoreContext | undefined,
  provenOurs: (table: TableDescription, context: RestoreContext) => Promise<boolean>,
): Promise<'deleting' | 'gone'> {
  const table = await describeTable(region, name);
  if (!table) return 'gone';
  if (table.TableStatus === 'DELETING') return 'deleting';
  const tags = await readableTags(region, table);
  // With the record's context, only this very restore's tags count: the record names the table before
  // the create, so a name AWS refused may hold another restore's table, of this stack too.
  const tagged =
    tags !== undefined &&
    tagValue(tags, RESTORE_TAG.restoredBy) === restoredBy &&
    (context === undefined || tagValue(tags, RESTORE_TAG.restoreId) === context.tags.restoreId);
  const proven = !tagged && (!tags || untagged(tags)) && context !== undefined && (await provenOurs(table, context));
  if (!tagged && !proven)
    throw new InvalidResourceStateError(`DynamoDB table ${name} was not restored by ${restoredBy}: not deleted`);
  if (table.TableStatus !== 'ACTIVE' || table.RestoreSummary?.RestoreInProgress) return 'deleting';
  if (!tagged && context) {
    const problem = await tagWhenActive(region, table, context.tags);
    if (problem) throw new InvalidResourceStateError(`${problem}: not deleted`);
  }
  await aws(`DynamoDB DeleteTable ${name}`, () =>
    dynamoClient(region).send(new DeleteTableCommand({ TableName: name })),
  );
  return 'deleting';
}

/** The backup carries the table's schema, indexes and settings: this restore reads no recorded settings. */
export const dynamodbBackupRestore: RestoreDriver = {
  type: 'dynamodb-table',
  modes: ['backup'],
  nameProblem: restoredNameProblem,
  nameHolder: tableNameHolder,

  async start(request) {
    const [backupArn, ...rest] = request.backupIds;
    if (!backupArn || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'a DynamoDB table restores from exactly one backup' },
      ]);
    assertRestoredName(request.name);
    const fromThisBackup = (table: TableDescription) => table.RestoreSummary?.SourceBackupArn === backupArn;
    if (await claimName(request, fromThisBackup)) return { restoredIds: [request.name], reused: true };
    await request.journal?.made([request.name]);
    const context = `DynamoDB RestoreTableFromBackup ${request.name} from ${backupArn}`;
    try {
      await dynamoClient(request.region).send(
        new RestoreTableFromBackupCommand({ TargetTableName: request.name, BackupArn: backupArn }),
      );
    } catch (error) {
      // Taken since the lookup, or made by this very call whose answer was lost (the SDK's retry then
      // finds the name taken): the table is adopted only with the proof, else NameInUseError.
      if (!NAME_TAKEN.has(awsErrorName(error) ?? '')) rethrowAws(context, error);
      const ours = await claimName(request, fromThisBackup).catch((e: unknown) => {
        if (e instanceof NameInUseError) return false;
        throw e;
      });
      if (ours) return { restoredIds: [request.name], reused: true };
      throw new NameInUseError(`${context}: a table of that name exists or is being created or deleted`, {
        cause: error,
      });
    }
    return { restoredIds: [request.name], reused: false };
  },

  check(region, restoredIds, context) {
    return checkAndTag(region, restoredIds[0] ?? '', context);
  },

  remove(region, restoredIds, restoredBy, context) {
    // This restore's call made an untagged table: restored from this restore's backup, created since it started.
    return removeTable(
      region,
      restoredIds[0] ?? '',
      restoredBy,
      context,
      async (table, c) => table.RestoreSummary?.SourceBackupArn === c.backupIds[0] && createdSince(table, c),
    );
  },
};
