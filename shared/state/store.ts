/**
 * The state table (DESIGN §4): one run item and one item per resource, the record of truth that
 * Summarize, Notify, the CLI and reports read. Every write is conditional or idempotent, so a task
 * that Step Functions or Lambda runs twice leaves the same record.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { aws, ResourceNotFoundError } from '../errors';
import type { ResourceType } from '../resource';
import { type Tag, tagListSchema } from '../tags';
import type { CopyState } from './backup-state';

export const RESOURCE_STATUSES = ['PENDING', 'CREATING', 'COPYING', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export const RUNS_INDEX = 'byStartedAt';
export const RUNS_PARTITION = 'RUN';

export interface RunCounts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  unfinished: number;
}

export interface RunRecord {
  runId: string;
  tier: string;
  executionArn: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  dryRun: boolean;
  reason?: string;
  expiresAt: string;
  input: unknown;
  counts?: RunCounts;
  retention?: { dryRun: boolean; deleted: number; kept: number; failedDeletes: number; deletedIds: string[] };
  /** Every retention decision of the run and the rule behind it (capped, deletes first), for dry-run review. */
  retentionDecisions?: RecordedRetentionDecision[];
}

/** One retention decision as the run records it; the optional fields are absent on older records. */
export interface RecordedRetentionDecision {
  id: string;
  kind: string;
  region: string;
  action: string;
  rule: string;
  /** The deciding rule's code (shared/workflow/retention-rules.ts RetentionRule). */
  ruleId?: string;
  tier?: string;
  source?: string;
  /** The run that made it: with region, kind and source, the backup set decided as one. */
  runId?: string;
  createdAt?: string;
}

export interface ResourceError {
  error: string;
  cause: string;
}

export interface ResourceRecord {
  runId: string;
  arn: string;
  type: ResourceType;
  region: string;
  resourceId: string;
  status: ResourceStatus;
  /** Why a resource was SKIPPED (or FAILED at plan), or how it was selected (an Aurora cluster via its member). */
  note?: string;
  backupIds?: string[];
  progress?: number;
  polls?: number;
  attempts?: number;
  queuedAt: string;
  startRequestedAt?: string;
  /**
   * When an attempt last called a create that has no idempotency key (EBS CreateSnapshot(s), DynamoDB
   * CreateBackup): a later attempt looks for what it may have made only once a lookup can see it.
   */
  createCalledAt?: string;
  /**
   * Per destination region, when an attempt of Start copies last called a copy that has no idempotency key
   * (EBS CopySnapshot): as `createCalledAt`, for the copies (shared/workflow/copies.ts).
   */
  copyCalledAt?: Record<string, string>;
  startedAt?: string;
  deadline?: string;
  lastCheckedAt?: string;
  /** When each check ran, in order (the first MAX_POLL_TIMES only), for the run report's timeline. */
  pollTimes?: string[];
  /** Size of the source in GiB when the backup started (provisioned, not used), for the cost estimate. */
  sizeGiB?: number;
  finishedAt?: string;
  error?: ResourceError;
  /** Copies to other regions (`copyTo`), once a copy has started. */
  copies?: CopyState[];
  /**
   * The source's own tags its backup gets, written by Plan from the description it made (RDS/Aurora
   * CopyTagsToSnapshot; [] when none) and passed by Start to the driver, which then describes nothing.
   * Absent on items written before Plan carried them, and when Plan did not learn them.
   */
  sourceTags?: Tag[];
}

/**
 * Poll times kept per item. A slow backup can be checked hundreds of times; 500 ISO strings are about
 * 15 KB, far under DynamoDB's 400 KB item limit, and the report still shows later polls by count.
 */
export const MAX_POLL_TIMES = 500;

const runKey = (runId: string) => ({ pk: `RUN#${runId}`, sk: 'RUN' });
const resourceKey = (runId: string, arn: string) => ({ pk: `RUN#${runId}`, sk: `RES#${arn}` });
/** One item per region backups were ever copied to (no TTL): retention lists them all. */
const COPY_REGIONS_PARTITION = 'COPY-REGIONS';
const copyRegionKey = (region: string) => ({ pk: COPY_REGIONS_PARTITION, sk: `REGION#${region}` });

/** `SET #a = :a, #b = :b` for the defined fields, adding their names and values to the maps given. */
function setClause(
  fields: Record<string, unknown>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      return `#${k} = :${k}`;
    });
  return parts.length > 0 ? `SET ${parts.join(', ')}` : '';
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

export class StateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  private ttl(from: string): number {
    return Math.floor(new Date(from).getTime() / 1000) + this.ttlDays * 86_400;
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
      return aws('DynamoDB PutItem (run)', () => Promise.reject(error));
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws('DynamoDB Query (copy regions)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': COPY_REGIONS_PARTITION },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) if (typeof item.region === 'string') regions.push(item.region);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return regions.sort();
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await aws('DynamoDB GetItem (run)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true })),
    );
    return out.Item as RunRecord | undefined;
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
      await aws('DynamoDB PutItem (resource)', () => Promise.reject(error));
    }
  }

  async getResource(runId: string, arn: string): Promise<ResourceRecord | undefined> {
    const out = await aws('DynamoDB GetItem (resource)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: resourceKey(runId, arn), ConsistentRead: true })),
    );
    return out.Item as ResourceRecord | undefined;
  }

  private async update(
    context: string,
    runId: string,
    arn: string,
    set: Record<string, unknown>,
    extra: {
      condition?: string;
      names?: Record<string, string>;
      values?: Record<string, unknown>;
      add?: string;
      /** Further SET actions that are expressions, not plain values (e.g. list_append). */
      setExpressions?: string[];
      /** Paths to REMOVE. */
      remove?: string;
    } = {},
  ): Promise<ResourceRecord | 'condition-failed'> {
    const names: Record<string, string> = { ...extra.names };
    const values: Record<string, unknown> = { ...extra.values };
    let expression = setClause(set, names, values);
    if (extra.setExpressions?.length)
      expression = `${expression ? `${expression}, ` : 'SET '}${extra.setExpressions.join(', ')}`;
    if (extra.add) expression += ` ADD ${extra.add}`;
    if (extra.remove) expression += ` REMOVE ${extra.remove}`;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: resourceKey(runId, arn),
          UpdateExpression: expression,
          ConditionExpression: ['attribute_exists(pk)', extra.condition].filter(Boolean).join(' AND '),
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as ResourceRecord;
    } catch (error) {
      if (isConditionFailure(error)) return 'condition-failed';
      return aws(context, () => Promise.reject(error));
    }
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
    // Start hands these to AWS: a malformed list fails here, naming the item, not in a CreateDBSnapshot.
    const sourceTags = tagListSchema.optional().safeParse(out.sourceTags);
    if (!sourceTags.success) {
      const issue = sourceTags.error.issues[0];
      throw new Error(
        `state item ${arn} of run ${runId}: sourceTags${(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue?.message ?? 'malformed'}`,
      );
    }
    return out;
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

  /** Marks COMPLETED. Idempotent. */
  async complete(runId: string, arn: string, at: string, progress = 100): Promise<ResourceStatus> {
    const out = await this.update(
      'DynamoDB UpdateItem (completed)',
      runId,
      arn,
      {
        status: 'COMPLETED',
        finishedAt: at,
        progress,
      },
      { condition: '#status <> :failed', values: { ':failed': 'FAILED' } },
    );
    return out === 'condition-failed' ? this.statusAfterRefusal(runId, arn) : out.status;
  }

  /** Marks FAILED with the error, unless the backup already COMPLETED (a late retry must not undo it). */
  async fail(runId: string, arn: string, at: string, error: ResourceError): Promise<ResourceStatus> {
    const out = await this.update(
      'DynamoDB UpdateItem (failed)',
      runId,
      arn,
      { status: 'FAILED', finishedAt: at, error },
      { condition: '#status <> :completed', values: { ':completed': 'COMPLETED' } },
    );
    return out === 'condition-failed' ? this.statusAfterRefusal(runId, arn) : out.status;
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
    const items: ResourceRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws('DynamoDB Query (resources)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
            ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':res': 'RES#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...((page.Items ?? []) as ResourceRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * What each resource of a run made, read for retention: the backup's ids in the resource's region
   * and its copies' ids per region (only those attributes: a record's poll times are not read).
   */
  async listBackupMembers(
    runId: string,
  ): Promise<Pick<ResourceRecord, 'arn' | 'region' | 'status' | 'backupIds' | 'copies'>[]> {
    const items: Pick<ResourceRecord, 'arn' | 'region' | 'status' | 'backupIds' | 'copies'>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws('DynamoDB Query (backup members)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
            ProjectionExpression: 'arn, #region, #status, backupIds, copies',
            ExpressionAttributeNames: { '#region': 'region', '#status': 'status' },
            ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':res': 'RES#' },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(
        ...((page.Items ?? []) as Pick<ResourceRecord, 'arn' | 'region' | 'status' | 'backupIds' | 'copies'>[]),
      );
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * The most recent runs, newest first (the runs-by-start-time index), following pages until `limit`
   * runs are read: a run item carries its retention decisions, so one 1 MB page may hold only a few.
   * `fields` reads just those attributes (the freshness check needs five, not the decisions).
   */
  async listRuns(limit = 20, fields?: readonly (keyof RunRecord)[]): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    const projection = fields
      ? {
          ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
        }
      : {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws('DynamoDB Query (runs)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: RUNS_INDEX,
            KeyConditionExpression: 'gsi1pk = :run',
            ExpressionAttributeValues: { ':run': RUNS_PARTITION },
            ScanIndexForward: false,
            Limit: limit - runs.length,
            ExclusiveStartKey: startKey,
            ...projection,
          }),
        ),
      );
      runs.push(...((page.Items ?? []) as RunRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey && runs.length < limit);
    return runs;
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
