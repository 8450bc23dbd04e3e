/**
 * Restore of a DynamoDB table's on-demand backup: RestoreTableFromBackup under the requested table name,
 * then TagResource with the restore tags as soon as the call answers with the table's ARN (AWS's restore
 * takes no tags). Also the steps the export restore (./table-import.ts) shares: the table's description
 * and tags, its check (ACTIVE = AVAILABLE, with item count, size and key schema) and its removal.
 *
 * Ownership of a table whose tagging has not happened yet (the TagResource after the restore failed or
 * was never reached): a retried start adopts and tags an existing table only when it carries no
 * restore tags at all and its RestoreSummary names this very backup; remove deletes an untagged table
 * only when its RestoreSummary names a backup whose name carries this stack (dynamoBackupName). A table
 * carrying another restore's tags, or none without that proof, is never touched. Check reads the table's
 * state only, so it needs no proof.
 */
import {
  DeleteTableCommand,
  DescribeBackupCommand,
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
  LimitExceededError,
  NameInUseError,
} from '../../errors';
import { type Tag, tagValue } from '../../tags';
import { RESTORE_TAG, type RestoreCheck, type RestoreDriver, type RestoreRequest, restoreTags } from '../restore';
import { dynamoClient } from './client';
import { parseBackupName } from './dynamodb-table';

/** Why `name` is no DynamoDB table name: 3 to 255 of a-z, A-Z, 0-9, `_`, `-`, `.` (DynamoDB naming rules). */
export function tableNameProblem(name: string): string | undefined {
  const problems = [
    ...(name.length >= 3 && name.length <= 255 ? [] : ['is 3 to 255 characters']),
    ...(/^[a-zA-Z0-9_.-]*$/.test(name) ? [] : ['takes letters, digits, _ . and - only']),
  ];
  return problems.length > 0 ? `${name}: a DynamoDB table name ${problems.join(', ')}` : undefined;
}

/** The table named so, or undefined when there is none. */
export async function describeTable(region: string, name: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamoClient(region).send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    return aws(`DynamoDB DescribeTable ${name}`, () => Promise.reject(error));
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

/**
 * Tags the restored table. While DynamoDB still creates it, TagResource may be refused
 * (ResourceInUseException): that passes, so it is a LimitExceededError the workflow retries start on, and
 * the retry adopts the untagged table by its proof of origin and tags it then.
 */
export async function tagRestoredTable(region: string, arn: string, request: RestoreRequest): Promise<void> {
  try {
    await dynamoClient(region).send(new TagResourceCommand({ ResourceArn: arn, Tags: restoreTags(request.tags) }));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceInUseException')
      throw new LimitExceededError(`DynamoDB table ${request.name} cannot be tagged yet: retried`, { cause: error });
    return aws(`DynamoDB TagResource ${arn}`, () => Promise.reject(error));
  }
}

/**
 * What start finds under the requested name: nothing (undefined: restore it), this restore's table
 * (`reused`, tagged now if an earlier attempt could not), or someone else's (NameInUseError).
 * `madeByThisRestore` proves an untagged table's origin.
 */
export async function claimName(
  request: RestoreRequest,
  madeByThisRestore: (table: TableDescription) => boolean | Promise<boolean>,
): Promise<boolean> {
  const table = await describeTable(request.region, request.name);
  if (!table) return false;
  const tags = table.TableArn ? await tagsOf(request.region, table.TableArn) : [];
  if (tagValue(tags, RESTORE_TAG.restoreId) === request.restoreId) return true;
  if (table.TableArn && untagged(tags) && table.TableStatus !== 'DELETING' && (await madeByThisRestore(table))) {
    await tagRestoredTable(request.region, table.TableArn, request);
    return true;
  }
  throw new NameInUseError(
    `DynamoDB table ${request.name} exists in ${request.region}: nothing restored, nothing touched`,
  );
}

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
 * Deletes a restored table carrying `restoredBy`; an untagged one only when `provenOurs` says this stack
 * made it; any other is refused. DynamoDB cannot delete a table it is still creating: that one reads
 * `deleting` until a later call can delete it.
 */
export async function removeTable(
  region: string,
  name: string,
  restoredBy: string,
  provenOurs: (table: TableDescription) => Promise<boolean>,
): Promise<'deleting' | 'gone'> {
  const table = await describeTable(region, name);
  if (!table) return 'gone';
  if (table.TableStatus === 'DELETING') return 'deleting';
  const tags = table.TableArn ? await tagsOf(region, table.TableArn) : [];
  const ours = tagValue(tags, RESTORE_TAG.restoredBy) === restoredBy || (untagged(tags) && (await provenOurs(table)));
  if (!ours)
    throw new InvalidResourceStateError(`DynamoDB table ${name} was not restored by ${restoredBy}: not deleted`);
  if (table.TableStatus === 'CREATING' || table.RestoreSummary?.RestoreInProgress) return 'deleting';
  await aws(`DynamoDB DeleteTable ${name}`, () =>
    dynamoClient(region).send(new DeleteTableCommand({ TableName: name })),
  );
  return 'deleting';
}

/** Whether an untagged table was restored from a backup this stack made (its name carries the stack). */
async function restoredFromOurBackup(region: string, table: TableDescription, restoredBy: string): Promise<boolean> {
  const backupArn = table.RestoreSummary?.SourceBackupArn;
  if (!backupArn) return false;
  let name: string | undefined;
  try {
    const out = await dynamoClient(region).send(new DescribeBackupCommand({ BackupArn: backupArn }));
    name = out.BackupDescription?.BackupDetails?.BackupName;
  } catch (error) {
    if (awsErrorName(error) === 'BackupNotFoundException') return false;
    return aws(`DynamoDB DescribeBackup ${backupArn}`, () => Promise.reject(error));
  }
  const owner = parseBackupName(name)?.stackName;
  return owner !== undefined && owner === restoredBy.replace('@', '_');
}

/** The backup carries the table's schema, indexes and settings: this restore reads no recorded settings. */
export const dynamodbBackupRestore: RestoreDriver = {
  type: 'dynamodb-table',
  modes: ['backup'],
  nameProblem: tableNameProblem,

  async start(request) {
    const [backupArn, ...rest] = request.backupIds;
    if (!backupArn || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'a DynamoDB table restores from exactly one backup' },
      ]);
    const fromThisBackup = (table: TableDescription) => table.RestoreSummary?.SourceBackupArn === backupArn;
    const reused = await claimName(request, fromThisBackup);
    if (reused) return { restoredIds: [request.name], reused: true };
    // A table made between the lookup and this call is refused by AWS (TableAlreadyExistsException,
    // TableInUseException: NameInUseError through the catalog).
    const context = `DynamoDB RestoreTableFromBackup ${request.name} from ${backupArn}`;
    const out = await dynamoClient(request.region)
      .send(new RestoreTableFromBackupCommand({ TargetTableName: request.name, BackupArn: backupArn }))
      .catch(async (error: unknown) => {
        if (awsErrorName(error) === 'TableInUseException')
          throw new NameInUseError(`${context}: a table of that name is being created or deleted`, { cause: error });
        // No idempotency token: a lost answer's SDK retry is refused TableAlreadyExistsException. The
        // table restored from this very backup, untagged, is this attempt's: adopted and tagged.
        if (awsErrorName(error) === 'TableAlreadyExistsException' && (await claimName(request, fromThisBackup)))
          return undefined;
        return aws(context, () => Promise.reject(error));
      });
    if (out === undefined) return { restoredIds: [request.name], reused: true };
    const arn = out.TableDescription?.TableArn;
    if (!arn) throw new InvalidResourceStateError(`RestoreTableFromBackup ${request.name} returned no table`);
    await tagRestoredTable(request.region, arn, request);
    return { restoredIds: [request.name], reused: false };
  },

  async check(region, restoredIds) {
    const name = restoredIds[0] ?? '';
    return tableCheck(name, await describeTable(region, name));
  },

  remove(region, restoredIds, restoredBy) {
    return removeTable(region, restoredIds[0] ?? '', restoredBy, (table) =>
      restoredFromOurBackup(region, table, restoredBy),
    );
  },
};
