/**
 * Retention's working items in the state table, beside the run's (DESIGN §4): each unit's delete queue,
 * in pages, written once when the unit decides a store, so a later pass deletes from where the last one
 * stopped instead of listing the store again; and one record per pass with what it decided and did,
 * keyed by its pass number, so a retried pass overwrites its own record and nothing is counted twice.
 * Summarize retention adds the passes up for the run record and Notify.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { aws } from '../errors';
import { BACKUP_KINDS, type BackupKind } from '../services/catalog';
import type { OwnedBackup } from '../services/driver';
import { parseItem, recordedRetentionDecisionSchema } from './records';
import { queryPages } from './table';

const ownedBackupSchema = z.object({
  kind: z.enum(BACKUP_KINDS as [BackupKind, ...BackupKind[]]),
  id: z.string(),
  region: z.string(),
  source: z.string().optional(),
  tier: z.string().optional(),
  runId: z.string().optional(),
  managedBy: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  complete: z.boolean(),
  heldBy: z.array(z.string()),
  holds: z.array(z.string()).optional(),
});

const queuePageSchema = z.object({ backups: z.array(ownedBackupSchema) });
const queueHeadSchema = z.object({ pages: z.number().int().min(0) });

/** What one pass of a unit decided and did. */
export const retentionPassSchema = z.object({
  unit: z.string(),
  pass: z.number(),
  dryRun: z.boolean(),
  deleted: z.number(),
  kept: z.number(),
  /** `<id> (<error>)` per failed delete, capped; `failedDeletes` counts them all. */
  failed: z.array(z.string()),
  failedDeletes: z.number(),
  /** Deleted (dry run: would be) ids, capped. */
  deletedIds: z.array(z.string()),
  /** The decisions made in this pass (deletes first, capped). */
  decisions: z.array(recordedRetentionDecisionSchema),
  /** The unit's last pass: every store decided and its queue worked through (absent on older records). */
  done: z.boolean().optional(),
});
export type RetentionPass = z.infer<typeof retentionPassSchema>;

const pad = (n: number): string => String(n).padStart(6, '0');
const runPk = (runId: string): string => `RUN#${runId}`;
const queueSk = (unit: string, kind: string, page: number | 'HEAD'): string =>
  `RETQ#${unit}#${kind}#${page === 'HEAD' ? page : pad(page)}`;
const passSk = (unit: string, pass: number): string => `RETP#${unit}#${pad(pass)}`;

function toStored(b: OwnedBackup): z.input<typeof ownedBackupSchema> {
  return {
    kind: b.kind,
    id: b.id,
    region: b.region,
    ...(b.source !== undefined ? { source: b.source } : {}),
    ...(b.tier !== undefined ? { tier: b.tier } : {}),
    ...(b.runId !== undefined ? { runId: b.runId } : {}),
    ...(b.managedBy !== undefined ? { managedBy: b.managedBy } : {}),
    createdAt: b.createdAt.toISOString(),
    ...(b.expiresAt ? { expiresAt: b.expiresAt.toISOString() } : {}),
    complete: b.complete,
    heldBy: b.heldBy,
    ...(b.holds ? { holds: b.holds } : {}),
  };
}

function fromStored(s: z.output<typeof ownedBackupSchema>): OwnedBackup {
  return {
    kind: s.kind,
    id: s.id,
    region: s.region,
    source: s.source,
    tier: s.tier,
    runId: s.runId,
    managedBy: s.managedBy,
    createdAt: new Date(s.createdAt),
    expiresAt: s.expiresAt ? new Date(s.expiresAt) : undefined,
    complete: s.complete,
    heldBy: s.heldBy,
    ...(s.holds ? { holds: s.holds } : {}),
  };
}

export class RetentionLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 400,
  ) {}

  private ttl(): number {
    return Math.floor(Date.now() / 1000) + this.ttlDays * 86_400;
  }

  /** One page of a unit's delete queue for one kind. Idempotent: a retried pass writes the same page. */
  async putQueuePage(runId: string, unit: string, kind: string, page: number, backups: readonly OwnedBackup[]) {
    await aws('DynamoDB PutItem (retention queue)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: runPk(runId),
            sk: queueSk(unit, kind, page),
            backups: backups.map(toStored),
            ttl: this.ttl(),
          },
        }),
      ),
    );
  }

  /**
   * How many queue pages a store's decision wrote, recorded after its pages: present once a pass has
   * decided the store, so a retry of that pass deletes from the same queue instead of listing again.
   */
  async putQueueHead(runId: string, unit: string, kind: string, pages: number): Promise<void> {
    await aws('DynamoDB PutItem (retention queue head)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(runId), sk: queueSk(unit, kind, 'HEAD'), pages, ttl: this.ttl() },
        }),
      ),
    );
  }

  async getQueueHead(runId: string, unit: string, kind: string): Promise<number | undefined> {
    const key = { pk: runPk(runId), sk: queueSk(unit, kind, 'HEAD') };
    const result = await aws('DynamoDB GetItem (retention queue head)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return result.Item ? parseItem(queueHeadSchema, result.Item, key).pages : undefined;
  }

  async getQueuePage(runId: string, unit: string, kind: string, page: number): Promise<OwnedBackup[]> {
    const key = { pk: runPk(runId), sk: queueSk(unit, kind, page) };
    const result = await aws('DynamoDB GetItem (retention queue)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return parseItem(queuePageSchema, result.Item, key).backups.map(fromStored);
  }

  /** The pass's record, under its own key: a retried pass replaces what its failed attempt wrote. */
  async putPass(runId: string, pass: RetentionPass): Promise<void> {
    await aws('DynamoDB PutItem (retention pass)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(runId), sk: passSk(pass.unit, pass.pass), ...pass, ttl: this.ttl() },
        }),
      ),
    );
  }

  async listPasses(runId: string): Promise<RetentionPass[]> {
    const passes: RetentionPass[] = [];
    const pages = queryPages(this.doc, this.tableName, 'DynamoDB Query (retention passes)', () => ({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':p': 'RETP#' },
      ConsistentRead: true,
    }));
    for await (const items of pages) {
      for (const item of items) {
        passes.push(parseItem(retentionPassSchema, item, { pk: runPk(runId), sk: String(item.sk ?? 'RETP#?') }));
      }
    }
    return passes;
  }
}
