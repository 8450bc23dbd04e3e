/**
 * The per-tier run lock in the state table (`LOCK#<tier>` / `RUN-LOCK`, ./records.ts): every write is
 * conditional on who holds it, so two Plans racing for one tier cannot both win, a takeover replaces
 * only the dead holder it looked at, and a run releases only its own lock. What the lock means (who
 * may take over) is in shared/workflow/backup/run-lock.ts.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { aws, rethrowAws } from '../errors';
import { parseItem, type RunLockHolder, type RunLockRecord, runLockKey, runLockRecordSchema } from './records';
import { isConditionFailure } from './table';

export class RunLockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes `lock` when no lock of its tier exists, or (`replacing`) when the one there is still held by
   * that holder. Returns false when the condition failed: someone else holds it now.
   */
  async put(lock: RunLockRecord, replacing?: RunLockHolder): Promise<boolean> {
    const condition = replacing
      ? { ConditionExpression: 'runId = :runId AND executionArn = :arn', values: replacing }
      : { ConditionExpression: 'attribute_not_exists(pk)' };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runLockKey(lock.tier), ...lock },
          ConditionExpression: condition.ConditionExpression,
          ...(condition.values
            ? { ExpressionAttributeValues: { ':runId': condition.values.runId, ':arn': condition.values.executionArn } }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      rethrowAws('DynamoDB PutItem (run lock)', error);
    }
  }

  async get(tier: string): Promise<RunLockRecord | undefined> {
    const out = await aws('DynamoDB GetItem (run lock)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: runLockKey(tier), ConsistentRead: true })),
    );
    return out.Item ? parseItem(runLockRecordSchema, out.Item, runLockKey(tier)) : undefined;
  }

  /** Deletes the tier's lock if `runId` holds it; false when it does not (released, or taken over). */
  async release(tier: string, runId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: runLockKey(tier),
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      rethrowAws('DynamoDB DeleteItem (run lock)', error);
    }
  }
}
