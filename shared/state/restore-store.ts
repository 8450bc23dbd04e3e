/**
 * Restores in the state table (issue #12): one `RESTORE#<restoreId>` item per restore, written first
 * when the restore is planned (before any AWS call, so a retried start finds it) and updated by each
 * step of restore.asl.json. Listed newest first through the runs' start-time index under its own
 * partition, so `status --rto`, the report and drills' freshness read one Query.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { aws, ResourceNotFoundError, rethrowAws } from '../errors';
import { parseItem, RESTORES_PARTITION, type RestoreRecord, restoreKey, restoreRecordSchema } from './records';
import { RUNS_INDEX } from './store';
import { isConditionFailure, queryPages, setClause } from './table';

/** A range of start times (ISO, both ends included); either end may be open. */
export interface StartedWithin {
  from?: string;
  to?: string;
}

export class RestoreStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  /** Writes the restore once; a retried step finds the first record and it stays. */
  async create(record: RestoreRecord): Promise<'created' | 'exists'> {
    const ttl = Math.floor(Date.parse(record.startedAt) / 1000) + this.ttlDays * 86_400;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...restoreKey(record.restoreId), gsi1pk: RESTORES_PARTITION, ttl, ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      rethrowAws('DynamoDB PutItem (restore)', error);
    }
  }

  async get(restoreId: string): Promise<RestoreRecord | undefined> {
    const key = restoreKey(restoreId);
    const out = await aws('DynamoDB GetItem (restore)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item ? parseItem(restoreRecordSchema, out.Item, key) : undefined;
  }

  async update(restoreId: string, fields: Partial<Omit<RestoreRecord, 'restoreId'>>): Promise<RestoreRecord> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const key = restoreKey(restoreId);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: setClause(fields, names, values),
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return parseItem(restoreRecordSchema, out.Attributes, key);
    } catch (error) {
      if (isConditionFailure(error)) throw new ResourceNotFoundError(`no restore ${restoreId} is recorded`);
      rethrowAws('DynamoDB UpdateItem (restore)', error);
    }
  }

  /**
   * The newest restores first, up to `limit`; with `startedWithin`, only those that started in that range
   * (ISO times, both ends included), read through the index's sort key instead of filtered after.
   */
  async list(limit = 50, startedWithin: StartedWithin = {}): Promise<RestoreRecord[]> {
    const restores: RestoreRecord[] = [];
    const { from, to } = startedWithin;
    const range =
      from !== undefined && to !== undefined
        ? ' AND startedAt BETWEEN :from AND :to'
        : from !== undefined
          ? ' AND startedAt >= :from'
          : to !== undefined
            ? ' AND startedAt <= :to'
            : '';
    const pages = queryPages(this.doc, this.tableName, 'DynamoDB Query (restores)', () => ({
      IndexName: RUNS_INDEX,
      KeyConditionExpression: `gsi1pk = :p${range}`,
      ExpressionAttributeValues: {
        ':p': RESTORES_PARTITION,
        ...(from !== undefined ? { ':from': from } : {}),
        ...(to !== undefined ? { ':to': to } : {}),
      },
      ScanIndexForward: false,
      Limit: limit - restores.length,
    }));
    for await (const items of pages) {
      for (const item of items)
        restores.push(parseItem(restoreRecordSchema, item, restoreKey(String(item.restoreId ?? '?'))));
      if (restores.length >= limit) break;
    }
    return restores;
  }
}
