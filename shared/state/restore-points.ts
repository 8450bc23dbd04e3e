/**
 * A resource's restore points in the state table (issue #12): one item per backup that completed
 * (`POINTS#<arn>` / `RUN#<runId>`, records.ts restorePointSchema) and one small index item per backup
 * and copy id (`BACKUP#<id>`), so `backups <arn>` is one Query and `restore <backup-id>` two GetItems,
 * however large the table. Written by Record result, idempotently (a retry puts the same items again).
 *
 * Retention keeps them true (markDeleted): each backup it deletes is noted on its point, a place (the
 * source region, or a copy's region) with any member deleted is no longer offered for a restore, and
 * once every backup of the point and of its copies is gone the point and its index items are deleted,
 * so `backups` no longer lists it and `restore <id>` says no such backup is recorded. Deleted, not
 * kept as a tombstone: an operator reads `backups` as "what can I restore", and the run record keeps
 * what retention deleted and why (retentionDecisions). A point some of whose backups could not be
 * deleted stays, as do those backups.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { aws } from '../errors';
import {
  backupIdIndexSchema,
  backupIdKey,
  type ItemKey,
  parseItem,
  type RestorePoint,
  restorePointKey,
  restorePointSchema,
} from './records';
import { queryPages, updateItem } from './table';

/** Every id a point answers to: its backups in the source region and its copies' in DR regions. */
export function pointIds(point: Pick<RestorePoint, 'backupIds' | 'copies'>): string[] {
  return [...new Set([...point.backupIds, ...point.copies.flatMap((c) => c.ids)])];
}

/** How a deleted backup is noted on its point: region and id (an RDS copy shares its original's id). */
export const deletedKey = (region: string, id: string): string => `${region}/${id}`;

export interface PointPlace {
  region: string;
  ids: string[];
}

/** Where a point can be restored from: its source region's backups, then each completed copy's. */
export function pointPlaces(point: Pick<RestorePoint, 'region' | 'backupIds' | 'copies'>): PointPlace[] {
  return [
    { region: point.region, ids: point.backupIds },
    ...point.copies.filter((c) => c.status === 'COMPLETED').map((c) => ({ region: c.region, ids: c.ids })),
  ];
}

/** The places retention has deleted nothing of (a set missing a member is no restore point there). */
export function livePlaces(point: Pick<RestorePoint, 'region' | 'backupIds' | 'copies' | 'deleted'>): PointPlace[] {
  const deleted = new Set(point.deleted ?? []);
  return pointPlaces(point).filter((p) => !p.ids.some((id) => deleted.has(deletedKey(p.region, id))));
}

/** Every backup of the point, in its region and its copies', is deleted. */
function allDeleted(point: RestorePoint): boolean {
  const deleted = new Set(point.deleted ?? []);
  return pointPlaces(point).every((p) => p.ids.every((id) => deleted.has(deletedKey(p.region, id))));
}

/** What markDeleted did: noted on a point that still has backups, removed the point, or found none. */
export type MarkDeletedOutcome = 'noted' | 'point-removed' | 'no-point';

export class RestorePointStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  /** The point outlives its backup's expiry by `ttlDays` (retention keeps a source's last point past expiry). */
  private ttl(point: RestorePoint): number {
    return Math.floor(new Date(point.expiresAt ?? point.completedAt).getTime() / 1000) + this.ttlDays * 86_400;
  }

  async save(point: RestorePoint): Promise<void> {
    const ttl = this.ttl(point);
    // `deleted` is retention's string set, never written by a put (a list would stop its ADDs).
    const { deleted: _deleted, ...parsed } = restorePointSchema.parse(point);
    const put = (Item: Record<string, unknown>, what: string) =>
      aws(`DynamoDB PutItem (${what})`, () => this.doc.send(new PutCommand({ TableName: this.tableName, Item })));
    await put({ ...restorePointKey(point.arn, point.runId), ttl, ...parsed }, 'backup point');
    await Promise.all(
      pointIds(parsed).map((id) =>
        put({ ...backupIdKey(id), ttl, id, arn: point.arn, runId: point.runId }, 'backup id index'),
      ),
    );
  }

  /** A resource's points, newest first. */
  async list(arn: string): Promise<RestorePoint[]> {
    const points: RestorePoint[] = [];
    const pages = queryPages(this.doc, this.tableName, 'DynamoDB Query (backup points)', () => ({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': restorePointKey(arn, '?').pk },
    }));
    for await (const items of pages) {
      for (const item of items) points.push(parseItem(restorePointSchema, item, restorePointKey(arn, '?')));
    }
    return points.sort((a, b) => b.completedAt.localeCompare(a.completedAt));
  }

  async get(arn: string, runId: string): Promise<RestorePoint | undefined> {
    const key = restorePointKey(arn, runId);
    const out = await aws('DynamoDB GetItem (backup point)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key })),
    );
    return out.Item ? parseItem(restorePointSchema, out.Item, key) : undefined;
  }

  /** The point a backup or copy id belongs to; undefined when the pipeline recorded no such backup. */
  async findById(id: string): Promise<RestorePoint | undefined> {
    const key = backupIdKey(id);
    const out = await aws('DynamoDB GetItem (backup id)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key })),
    );
    if (!out.Item) return undefined;
    const index = parseItem(backupIdIndexSchema, out.Item, key);
    return this.get(index.arn, index.runId);
  }

  /**
   * Notes that retention deleted backup `id` in `region` (retention's Apply pass, after each delete that
   * succeeded or found the backup already gone). The note is an atomic ADD to the point's set, so the
   * deletes of one point's members and copies, in parallel and in different regions' units, all land;
   * the one whose ADD completes the set removes the point. A backup no point names (older than the
   * points, or a partial set's) is left alone. Safe to repeat: a retried pass notes the same again.
   */
  async markDeleted(region: string, id: string): Promise<MarkDeletedOutcome> {
    const indexKey = backupIdKey(id);
    const out = await aws('DynamoDB GetItem (backup id)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: indexKey })),
    );
    if (!out.Item) return 'no-point';
    const index = parseItem(backupIdIndexSchema, out.Item, indexKey);
    const key = restorePointKey(index.arn, index.runId);
    const updated = await updateItem(
      this.doc,
      this.tableName,
      'DynamoDB UpdateItem (backup point deleted)',
      key,
      {},
      {
        add: '#deleted :deleted',
        names: { '#deleted': 'deleted' },
        values: { ':deleted': new Set([deletedKey(region, id)]) },
      },
    );
    if (updated === 'condition-failed') {
      // The point is gone already (an earlier attempt removed it and stopped before this index item).
      await this.deleteItem(indexKey, 'backup id index');
      return 'no-point';
    }
    const point = parseItem(restorePointSchema, updated, key);
    if (!allDeleted(point)) return 'noted';
    // The point first: were this stopped half-way, a left index item finds no point (findById: none).
    await this.deleteItem(key, 'backup point');
    await Promise.all(pointIds(point).map((pointId) => this.deleteItem(backupIdKey(pointId), 'backup id index')));
    return 'point-removed';
  }

  private async deleteItem(Key: ItemKey, what: string): Promise<void> {
    await aws(`DynamoDB DeleteItem (${what})`, () =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key })),
    );
  }
}
