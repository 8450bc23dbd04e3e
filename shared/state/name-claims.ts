/**
 * Names claimed by restores (issue #19): one `NAME#<type>#<region>#<name>` item per restored resource's
 * name, put conditionally at Plan before anything is made, so that of two restores planned at once with
 * one name exactly one holds it. AWS does not keep them apart for every type: EBS volumes and EC2
 * instances may share a Name tag, and a tag-filtered lookup may not yet see what the other just made.
 *
 * A claim holds until its restore is recorded (Record the restore releases it: from then on, what the
 * restore made holds the name, or, after a drill's clean-up, nothing does), or, should the execution
 * never get there (aborted), until `expiresAt`: the restore's deadline and a day. The same restore
 * claims again freely (a retried Plan). The item's TTL removes it some days later.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { aws, rethrowAws } from '../errors';
import { type NameClaimRecord, nameClaimKey, nameClaimRecordSchema, parseItem } from './records';
import { isConditionFailure } from './table';

export type ClaimRef = Pick<NameClaimRecord, 'type' | 'region' | 'name'>;

/** Whether a claim still holds at `now`: neither released nor expired. */
export const holds = (claim: NameClaimRecord, now: Date): boolean =>
  claim.releasedAt === undefined && Date.parse(claim.expiresAt) > now.getTime();

export class NameClaimStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays = 7,
  ) {}

  /** Claims the name for `restoreId` until `expiresAt`: 'claimed', or the restore that holds it. */
  async claim(
    ref: ClaimRef,
    restoreId: string,
    now: Date,
    expiresAt: Date,
  ): Promise<{ claimed: true } | { claimed: false; holder: NameClaimRecord | undefined }> {
    const record: NameClaimRecord = {
      ...ref,
      restoreId,
      claimedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...nameClaimKey(ref.type, ref.region, ref.name),
            ttl: Math.floor(expiresAt.getTime() / 1000) + this.ttlDays * 86_400,
            ...record,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR restoreId = :me OR attribute_exists(releasedAt) OR expiresAt < :now',
          ExpressionAttributeValues: { ':me': restoreId, ':now': record.claimedAt },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (isConditionFailure(error)) return { claimed: false, holder: await this.get(ref) };
      rethrowAws('DynamoDB PutItem (name claim)', error);
    }
  }

  async get(ref: ClaimRef): Promise<NameClaimRecord | undefined> {
    const key = nameClaimKey(ref.type, ref.region, ref.name);
    const out = await aws('DynamoDB GetItem (name claim)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item ? parseItem(nameClaimRecordSchema, out.Item, key) : undefined;
  }

  /** Releases the claim `restoreId` holds (none, or another's: nothing happens). Safe to repeat. */
  async release(ref: ClaimRef, restoreId: string, at: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: nameClaimKey(ref.type, ref.region, ref.name),
          UpdateExpression: 'SET releasedAt = if_not_exists(releasedAt, :at)',
          ConditionExpression: 'restoreId = :me',
          ExpressionAttributeValues: { ':me': restoreId, ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      rethrowAws('DynamoDB UpdateItem (name claim released)', error);
    }
  }
}
