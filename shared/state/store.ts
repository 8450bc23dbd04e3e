/**
 * The state table (DESIGN §4): one run item and one item per resource, the record of truth that
 * Summarize, Notify, the CLI and reports read. Every write is conditional or idempotent, so a task
 * that Step Functions or Lambda runs twice leaves the same record. Every item read is parsed through
 * its schema (./records.ts), so what the store hands back is what the types say.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { aws, ResourceNotFoundError, rethrowAws } from '../errors';
import type { ResourceType } from '../resource';
import type { Tag } from '../tags';
import type { CopyState } from './backup-state';
import {
  COPY_REGIONS_PARTITION,
  copyRegionKey,
  copyRegionRecordSchema,
  type LatestPointRecord,
  latestPointKey,
  latestPointRecordSchema,
  parseItem,
  type ResourceError,
  type ResourceRecord,
  type ResourceStatus,
  type RunRecord,
  resourceKey,
  resourceRecordSchema,
  runKey,
  runRecordSchema,
} from './records';
import { isConditionFailure, type QueryParams, queryPages, setClause, type UpdateExtra, updateItem } from './table';

export const RUNS_INDEX = 'byStartedAt';
export const RUNS_PARTITION = 'RUN';

/**
 * Poll times kept per item. A slow backup can be checked hundreds of times; 500 ISO strings are about
 * 15 KB, far under DynamoDB's 400 KB item limit, and the report still shows later polls by count.
 */
export const MAX_POLL_TIMES = 500;

/** The attributes retention reads of a resource (listBackupMembers). */
const backupMemberSchema = resourceRecordSchema.pick({
  arn: true,
  region: true,
  status: true,
  backupIds: true,
  copies: true,
});
export type BackupMember = Pick<ResourceRecord, 'arn' | 'region' | 'status' | 'backupIds' | 'copies'>;

/** The attributes the freshness check reads of a resource (listAttempts). */
const attemptSchema = resourceRecordSchema.pick({ arn: true, status: true, queuedAt: true, finishedAt: true });
export type ResourceAttempt = Pick<ResourceRecord, 'arn' | 'status' | 'queuedAt' | 'finishedAt'>;

export class StateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  private ttl(from: string): number {
    return Math.floor(new Date(from).getTime() / 1000) + this.ttlDays * 86_400;
  }

  private query(context: string, params: () => QueryParams): AsyncGenerator<Record<string, unknown>[]> {
    return queryPages(this.doc, this.tableName, context, params);
  }

  /** Writes the run record once; a retried Plan finds it and carries on. */
  async createRun(run: RunRecord): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(run.runId), gsi1pk: RUNS_PARTITION, ttl: this.ttl(run.startedAt), ...run },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      rethrowAws('DynamoDB PutItem (run)', error);
    }
  }

  /**
   * Notes that backups of this stack are copied to these regions. Written at Plan, before any copy of
   * the run exists, and never expired (no TTL): retention lists every region a backup of ours was
   * ever copied to, long after the run that copied it (a one-off run's copies expire too).
   */
  async recordCopyRegions(regions: readonly string[], at: string): Promise<void> {
    for (const region of [...new Set(regions)].sort()) {
      await aws('DynamoDB PutItem (copy region)', () =>
        this.doc.send(
          new PutCommand({ TableName: this.tableName, Item: { ...copyRegionKey(region), region, recordedAt: at } }),
        ),
      );
    }
  }

  /** Every region recordCopyRegions ever noted, in name order. */
  async listCopyRegions(): Promise<string[]> {
    const regions: string[] = [];
    const pages = this.query('DynamoDB Query (copy regions)', () => ({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': COPY_REGIONS_PARTITION },
    }));
    for await (const items of pages) {
      for (const item of items) regions.push(parseItem(copyRegionRecordSchema, item, copyRegionKey('?')).region);
    }
    return regions.sort();
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await aws('DynamoDB GetItem (run)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true })),
    );
    return out.Item ? parseItem(runRecordSchema, out.Item, runKey(runId)) : undefined;
  }

  /** Adds a resource item unless it already exists (a retried Plan never resets progress). */
  async addResource(record: ResourceRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...resourceKey(record.runId, record.arn), ttl: this.ttl(record.queuedAt), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      rethrowAws('DynamoDB PutItem (resource)', error);
    }
  }

  async getResource(runId: string, arn: string): Promise<ResourceRecord | undefined> {
    const out = await aws('DynamoDB GetItem (resource)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: resourceKey(runId, arn), ConsistentRead: true })),
    );
    return out.Item ? parseItem(resourceRecordSchema, out.Item, resourceKey(runId, arn)) : undefined;
  }

  /** Updates a resource item that exists (`updateItem`). */
  private update(
    context: string,
    runId: string,
    arn: string,
    set: Record<string, unknown>,
    extra: UpdateExtra = {},
  ): Promise<Record<string, unknown> | 'condition-failed'> {
    return updateItem(this.doc, this.tableName, context, resourceKey(runId, arn), set, extra);
  }

  /**
   * Records the intent to start a backup before AWS is called (DESIGN §7). Returns the record, which
   * tells a retry whether a backup was already started, and the source's tags Plan stored (validated).
   * Fails if the item is unknown or already final.
   */
  async markStarting(runId: string, arn: string, at: string): Promise<ResourceRecord | 'not-startable'> {
    const out = await this.update(
      'DynamoDB UpdateItem (start intent)',
      runId,
      arn,
      { status: 'CREATING', startRequestedAt: at },
      {
        condition: '#status IN (:pending, :creating)',
        values: { ':pending': 'PENDING', ':creating': 'CREATING', ':one': 1 },
        add: 'attempts :one',
      },
    );
    if (out === 'condition-failed') return 'not-startable';
    // Start hands its sourceTags to AWS: a malformed item fails here, naming it, not in a CreateDBSnapshot.
    return parseItem(resourceRecordSchema, out, resourceKey(runId, arn));
  }

  /**
   * Takes back the attempt just counted when AWS refused the create outright (throttled, limit):
   * nothing was created, so the retry may skip the lookup as a first attempt does.
   */
  async unmarkAttempt(runId: string, arn: string): Promise<void> {
    await this.update(
      'DynamoDB UpdateItem (refused start)',
      runId,
      arn,
      {},
      {
        condition: '#status = :creating AND attribute_not_exists(backupIds)',
        names: { '#status': 'status' },
        values: { ':creating': 'CREATING', ':minus': -1 },
        add: 'attempts :minus',
      },
    );
  }

  /** Notes that a create without an idempotency key is about to be called (see `createCalledAt`). */
  async noteCreateCall(runId: string, arn: string, at: string): Promise<void> {
    await this.update('DynamoDB UpdateItem (create called)', runId, arn, { createCalledAt: at });
  }

  /**
   * Notes that a copy without an idempotency key is about to be called in `region` (see `copyCalledAt`).
   * The map is set whole when the item has none yet (a nested path needs its parent to exist).
   */
  async noteCopyCall(runId: string, arn: string, region: string, at: string): Promise<void> {
    const names = { '#calls': 'copyCalledAt', '#region': region };
    const inPlace = () =>
      this.update(
        'DynamoDB UpdateItem (copy called)',
        runId,
        arn,
        {},
        {
          names,
          values: { ':at': at },
          setExpressions: ['#calls.#region = :at'],
          condition: 'attribute_exists(#calls)',
        },
      );
    if ((await inPlace()) !== 'condition-failed') return;
    const whole = await this.update(
      'DynamoDB UpdateItem (copy called)',
      runId,
      arn,
      {},
      {
        names: { '#calls': 'copyCalledAt' },
        values: { ':calls': { [region]: at } },
        setExpressions: ['#calls = :calls'],
        condition: 'attribute_not_exists(#calls)',
      },
    );
    // Another attempt made the map in between: never overwrite its regions.
    if (whole === 'condition-failed') await inPlace();
  }

  /**
   * Takes back a region's copy call when AWS refused that copy outright and nothing else was copied there
   * in that attempt: nothing was made, so the retry may look at once.
   */
  async forgetCopyCall(runId: string, arn: string, region: string): Promise<void> {
    await this.update(
      'DynamoDB UpdateItem (copy refused)',
      runId,
      arn,
      {},
      {
        names: { '#calls': 'copyCalledAt', '#region': region },
        remove: '#calls.#region',
      },
    );
  }

  async saveBackup(
    runId: string,
    arn: string,
    backup: { backupIds: string[]; startedAt: string; deadline: string; sizeGiB?: number },
  ): Promise<void> {
    await this.update('DynamoDB UpdateItem (backup started)', runId, arn, { ...backup, polls: 0, progress: 0 });
  }

  async saveProgress(
    runId: string,
    arn: string,
    progress: { progress: number; polls: number; lastCheckedAt: string },
  ): Promise<void> {
    const inProgress = {
      condition: '#status IN (:creating, :copying)',
      values: { ':creating': 'CREATING', ':copying': 'COPYING' },
      names: { '#status': 'status' },
    };
    if (progress.polls <= MAX_POLL_TIMES) {
      // Appends this check's time only if this poll number is not recorded yet, so a retried check
      // does not list one poll twice; pollTimes[i] stays the time of poll i + 1.
      const appended = await this.update('DynamoDB UpdateItem (progress)', runId, arn, progress, {
        condition: `${inProgress.condition} AND (attribute_not_exists(#polls) OR #polls < :polls)`,
        values: { ...inProgress.values, ':noPollTimes': [], ':pollTime': [progress.lastCheckedAt] },
        names: { ...inProgress.names, '#pollTimes': 'pollTimes' },
        setExpressions: ['#pollTimes = list_append(if_not_exists(#pollTimes, :noPollTimes), :pollTime)'],
      });
      if (appended !== 'condition-failed') return;
    }
    // Past the cap, a retried check, or a final item (which the condition leaves as it is).
    await this.update('DynamoDB UpdateItem (progress)', runId, arn, progress, inProgress);
  }

  /**
   * Records the copies of a finished backup (their ids, status and times per region); the item is
   * COPYING until Record result or Record failure makes it final. Refused once the item is final (a
   * late retry must not reopen it).
   */
  async saveCopies(runId: string, arn: string, copies: CopyState[]): Promise<void> {
    await this.update(
      'DynamoDB UpdateItem (copies)',
      runId,
      arn,
      { copies, status: 'COPYING' },
      {
        condition: '#status IN (:creating, :copying)',
        values: { ':creating': 'CREATING', ':copying': 'COPYING' },
        names: { '#status': 'status' },
      },
    );
  }

  /**
   * Marks COMPLETED and, given the run's tier, notes the resource's newest good backup in that tier
   * (`noteLatestPoint`). Idempotent: a retry writes both again.
   */
  async complete(runId: string, arn: string, at: string, tier?: string): Promise<ResourceStatus> {
    return (await this.completed(runId, arn, at, tier)).status;
  }

  /** As `complete`, with the completed item (absent when the resource had already FAILED). */
  async completed(
    runId: string,
    arn: string,
    at: string,
    tier?: string,
  ): Promise<{ status: ResourceStatus; record?: ResourceRecord }> {
    const out = await this.update(
      'DynamoDB UpdateItem (completed)',
      runId,
      arn,
      {
        status: 'COMPLETED',
        finishedAt: at,
        progress: 100,
      },
      { condition: '#status <> :failed', values: { ':failed': 'FAILED' } },
    );
    if (out === 'condition-failed') return { status: await this.statusAfterRefusal(runId, arn) };
    const record = parseItem(resourceRecordSchema, out, resourceKey(runId, arn));
    if (tier !== undefined) await this.noteLatestPoint(tier, arn, runId, at, record.resourceTags, record.type);
    return { status: record.status, record };
  }

  /**
   * The resource's newest good backup in `tier` (one small item per tier and resource). Never moves
   * back: an older completion arriving late leaves a newer one in place. Expires like a run's items,
   * `ttlDays` after the backup, so a resource no longer backed up leaves no item behind for long.
   */
  async noteLatestPoint(
    tier: string,
    arn: string,
    runId: string,
    at: string,
    tags?: Tag[],
    type?: ResourceType,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: latestPointKey(tier, arn),
          UpdateExpression: `SET tier = :tier, arn = :arn, lastGoodAt = :at, lastGoodRunId = :run, #ttl = :ttl${tags ? ', resourceTags = :tags' : ''}${type ? ', #type = :type' : ''}`,
          ConditionExpression: 'attribute_not_exists(lastGoodAt) OR lastGoodAt <= :at',
          ExpressionAttributeNames: { '#ttl': 'ttl', ...(type ? { '#type': 'type' } : {}) },
          ExpressionAttributeValues: {
            ':tier': tier,
            ':arn': arn,
            ':at': at,
            ':run': runId,
            ':ttl': this.ttl(at),
            ...(tags ? { ':tags': tags } : {}),
            ...(type ? { ':type': type } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      rethrowAws('DynamoDB UpdateItem (recovery point)', error);
    }
  }

  /**
   * Notes that `arn` has a restorable backup in `tier` whose copy failed (`lastCopyFailedAt`), so drills
   * find it among the tier's resources; its lastGoodAt, the freshness check's, is left as it is. Skipped
   * when the item already notes a newer good or copy-failed backup; expires like noteLatestPoint's.
   */
  async noteCopyFailedPoint(tier: string, arn: string, at: string, tags?: Tag[], type?: ResourceType): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: latestPointKey(tier, arn),
          UpdateExpression: `SET tier = :tier, arn = :arn, lastCopyFailedAt = :at, #ttl = :ttl${tags ? ', resourceTags = :tags' : ''}${type ? ', #type = :type' : ''}`,
          ConditionExpression:
            '(attribute_not_exists(lastGoodAt) OR lastGoodAt <= :at) AND (attribute_not_exists(lastCopyFailedAt) OR lastCopyFailedAt <= :at)',
          ExpressionAttributeNames: { '#ttl': 'ttl', ...(type ? { '#type': 'type' } : {}) },
          ExpressionAttributeValues: {
            ':tier': tier,
            ':arn': arn,
            ':at': at,
            ':ttl': this.ttl(at),
            ...(tags ? { ':tags': tags } : {}),
            ...(type ? { ':type': type } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      rethrowAws('DynamoDB UpdateItem (copy-failed recovery point)', error);
    }
  }

  /** Every resource the tier protects with a backup to restore (the tier's one partition of latest points). */
  async listLatestPoints(tier: string): Promise<LatestPointRecord[]> {
    const points: LatestPointRecord[] = [];
    const pages = this.query('DynamoDB Query (latest points)', () => ({
      KeyConditionExpression: 'pk = :pk',
      ProjectionExpression: 'tier, arn, #type, lastGoodAt, lastGoodRunId, lastCopyFailedAt, resourceTags',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': latestPointKey(tier, '?').pk },
    }));
    for await (const items of pages) {
      for (const item of items)
        points.push(parseItem(latestPointRecordSchema, item, latestPointKey(tier, String(item.arn ?? '?'))));
    }
    return points;
  }

  /**
   * What the freshness check needs of a run's resources: each one's status and times (not its poll
   * times, copies or tags).
   */
  listAttempts(runId: string): Promise<ResourceAttempt[]> {
    return this.listProjected(runId, 'DynamoDB Query (attempts)', attemptSchema);
  }

  /** Marks FAILED with the error, unless the backup already COMPLETED (a late retry must not undo it). */
  async fail(runId: string, arn: string, at: string, error: ResourceError): Promise<ResourceStatus> {
    return (await this.failed(runId, arn, at, error)).status;
  }

  /** As `fail`, with the failed item (absent when the resource had already COMPLETED). */
  async failed(
    runId: string,
    arn: string,
    at: string,
    error: ResourceError,
  ): Promise<{ status: ResourceStatus; record?: ResourceRecord }> {
    const out = await this.update(
      'DynamoDB UpdateItem (failed)',
      runId,
      arn,
      { status: 'FAILED', finishedAt: at, error },
      { condition: '#status <> :completed', values: { ':completed': 'COMPLETED' } },
    );
    if (out === 'condition-failed') return { status: await this.statusAfterRefusal(runId, arn) };
    const record = parseItem(resourceRecordSchema, out, resourceKey(runId, arn));
    return { status: record.status, record };
  }

  /**
   * A final-status write was refused: the item is already final the other way, or it does not exist.
   * A missing item is an error (a result must never be reported for a resource the run never planned).
   */
  private async statusAfterRefusal(runId: string, arn: string): Promise<ResourceStatus> {
    const record = await this.getResource(runId, arn);
    if (!record) throw new ResourceNotFoundError(`run ${runId} has no record of ${arn}`);
    return record.status;
  }

  async listResources(runId: string): Promise<ResourceRecord[]> {
    const records: ResourceRecord[] = [];
    const pages = this.query('DynamoDB Query (resources)', () => ({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
      ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':res': 'RES#' },
      ConsistentRead: true,
    }));
    for await (const items of pages) {
      for (const item of items) records.push(parseItem(resourceRecordSchema, item, resourceKey(runId, '?')));
    }
    return records;
  }

  /**
   * What each resource of a run made, read for retention: the backup's ids in the resource's region
   * and its copies' ids per region (only those attributes: a record's poll times are not read).
   */
  listBackupMembers(runId: string): Promise<BackupMember[]> {
    return this.listProjected(runId, 'DynamoDB Query (backup members)', backupMemberSchema);
  }

  /** A run's resource items, read with only the attributes `schema` names, each parsed through it. */
  private async listProjected<Shape extends z.ZodRawShape>(
    runId: string,
    context: string,
    schema: z.ZodObject<Shape>,
  ): Promise<z.output<z.ZodObject<Shape, z.core.$loose>>[]> {
    const attributes = Object.keys(schema.shape);
    const records: z.output<z.ZodObject<Shape, z.core.$loose>>[] = [];
    const pages = this.query(context, () => ({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
      ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
      ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':res': 'RES#' },
    }));
    for await (const items of pages) {
      // The projection reads no keys: the item's arn names it.
      for (const item of items) records.push(parseItem(schema, item, resourceKey(runId, String(item.arn ?? '?'))));
    }
    return records;
  }

  /**
   * The most recent runs, newest first (the runs-by-start-time index), following pages until `limit`
   * runs are read: a run item carries its retention decisions, so one 1 MB page may hold only a few.
   * `fields` reads just those attributes (the freshness check needs five, not the decisions).
   */
  async listRuns(limit?: number): Promise<RunRecord[]>;
  async listRuns<F extends keyof RunRecord>(limit: number, fields: readonly F[]): Promise<Pick<RunRecord, F>[]>;
  async listRuns(limit = 20, fields?: readonly (keyof RunRecord)[]): Promise<Partial<RunRecord>[]> {
    const runs: Partial<RunRecord>[] = [];
    const projection = fields
      ? {
          ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
        }
      : {};
    const mask: Partial<Record<keyof RunRecord, true>> = {};
    for (const field of fields ?? []) mask[field] = true;
    const schema = fields ? runRecordSchema.pick(mask) : runRecordSchema;
    const pages = this.query('DynamoDB Query (runs)', () => ({
      IndexName: RUNS_INDEX,
      KeyConditionExpression: 'gsi1pk = :run',
      ExpressionAttributeValues: { ':run': RUNS_PARTITION },
      ScanIndexForward: false,
      Limit: limit - runs.length,
      ...projection,
    }));
    for await (const items of pages) {
      // A projection may read no keys: the run id names the item.
      for (const item of items) runs.push(parseItem(schema, item, runKey(String(item.runId ?? '?'))));
      if (runs.length >= limit) break;
    }
    return runs;
  }

  /**
   * The first run of `tier` that started after `after` (ISO) and was not SKIPPED (a skipped start backed
   * nothing up), oldest first through the start-time index; undefined when none has yet. The run report
   * ends its window of restores there.
   */
  async nextRunOfTier(tier: string, after: string): Promise<Pick<RunRecord, 'runId' | 'startedAt'> | undefined> {
    const schema = runRecordSchema.pick({ runId: true, startedAt: true });
    const pages = this.query('DynamoDB Query (next run)', () => ({
      IndexName: RUNS_INDEX,
      KeyConditionExpression: 'gsi1pk = :run AND startedAt > :after',
      FilterExpression: '#tier = :tier AND #status <> :skipped',
      ProjectionExpression: 'runId, startedAt',
      ExpressionAttributeNames: { '#tier': 'tier', '#status': 'status' },
      ExpressionAttributeValues: { ':run': RUNS_PARTITION, ':after': after, ':tier': tier, ':skipped': 'SKIPPED' },
      ScanIndexForward: true,
    }));
    for await (const items of pages) {
      const [first] = items;
      if (first) return parseItem(schema, first, runKey(String(first.runId ?? '?')));
    }
    return undefined;
  }

  async updateRun(runId: string, fields: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const expression = setClause(fields, names, values);
    await aws('DynamoDB UpdateItem (run)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
