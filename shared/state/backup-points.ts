/**
 * A resource's restore points in the state table (issue #12): one item per backup that completed
 * (`POINTS#<arn>` / `RUN#<runId>`, records.ts backupPointSchema) and one small index item per backup
 * and copy id (`BACKUP#<id>`), so `backups <arn>` is one Query and `restore <backup-id>` two GetItems,
 * however large the table. Written by Record result, idempotently (a retry puts the same items again).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { aws } from '../errors';
import {
  type BackupPoint,
  backupIdIndexSchema,
  backupIdKey,
  backupPointKey,
  backupPointSchema,
  parseItem,
} from './records';
import { queryPages } from './table';

/** Every id a point answers to: its backups in the source region and its copies' in DR regions. */
export function pointIds(point: Pick<BackupPoint, 'backupIds' | 'copies'>): string[] {
  return [...new Set([...point.backupIds, ...point.copies.flatMap((c) => c.ids)])];
}

export class BackupPointStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  /** The point outlives its backup's expiry by `ttlDays` (retention keeps a source's last point past expiry). */
  private ttl(point: BackupPoint): number {
    return Math.floor(new Date(point.expiresAt ?? point.completedAt).getTime() / 1000) + this.ttlDays * 86_400;
  }

  async save(point: BackupPoint): Promise<void> {
    const ttl = this.ttl(point);
    const parsed = backupPointSchema.parse(point);
    const put = (Item: Record<string, unknown>, what: string) =>
      aws(`DynamoDB PutItem (${what})`, () => this.doc.send(new PutCommand({ TableName: this.tableName, Item })));
    await put({ ...backupPointKey(point.arn, point.runId), ttl, ...parsed }, 'backup point');
    await Promise.all(
      pointIds(parsed).map((id) =>
        put({ ...backupIdKey(id), ttl, id, arn: point.arn, runId: point.runId }, 'backup id index'),
      ),
    );
  }

  /** A resource's points, newest first. */
  async list(arn: string): Promise<BackupPoint[]> {
    const points: BackupPoint[] = [];
    const pages = queryPages(this.doc, this.tableName, 'DynamoDB Query (backup points)', () => ({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': backupPointKey(arn, '?').pk },
    }));
    for await (const items of pages) {
      for (const item of items) points.push(parseItem(backupPointSchema, item, backupPointKey(arn, '?')));
    }
    return points.sort((a, b) => b.completedAt.localeCompare(a.completedAt));
  }

  async get(arn: string, runId: string): Promise<BackupPoint | undefined> {
    const key = backupPointKey(arn, runId);
    const out = await aws('DynamoDB GetItem (backup point)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key })),
    );
    return out.Item ? parseItem(backupPointSchema, out.Item, key) : undefined;
  }

  /** The point a backup or copy id belongs to; undefined when the pipeline recorded no such backup. */
  async findById(id: string): Promise<BackupPoint | undefined> {
    const key = backupIdKey(id);
    const out = await aws('DynamoDB GetItem (backup id)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key })),
    );
    if (!out.Item) return undefined;
    const index = parseItem(backupIdIndexSchema, out.Item, key);
    return this.get(index.arn, index.runId);
  }
}
