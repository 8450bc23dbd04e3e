/**
 * Where DynamoDB exports land: versioned, encrypted, private, TLS only, with server access logs.
 * Exports are written under `dynamodb-exports/<tier>/`, so each tier's lifecycle rule moves them
 * through the storage classes and expires them with the tier's retention (S3 does the cleanup of
 * this mode; Apply retention never touches the bucket). Old versions go 30 days after.
 * The access-log bucket is created beside it, in the stack, not under it: both keep the logical IDs
 * deployed stacks already have (tests/infra/logical-ids.test.ts).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ExportStorageConfig, TierConfig } from '../../shared/config';
import { EXPORT_PREFIX } from '../../shared/names';

export interface BackupBucketProps {
  tiers: Record<string, TierConfig>;
  storage: ExportStorageConfig;
}

export class BackupBucket extends Bucket {
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, { tiers, storage }: BackupBucketProps) {
    const accessLogs = new Bucket(scope, `${id}AccessLogs`, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Not an IAM finding (those are all in ./permissions.ts): a property of this bucket's design.
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the backup bucket; logging it into itself would loop.',
    });
    super(scope, id, {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'backup-bucket/',
      lifecycleRules: exportLifecycle(tiers, storage),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = accessLogs;
  }
}

function exportLifecycle(tiers: Record<string, TierConfig>, storage: ExportStorageConfig): LifecycleRule[] {
  const transitions = [
    { storageClass: StorageClass.INFREQUENT_ACCESS, days: storage.infrequentAccessDays },
    { storageClass: StorageClass.GLACIER, days: storage.glacierDays },
    { storageClass: StorageClass.DEEP_ARCHIVE, days: storage.deepArchiveDays },
  ];
  const rules: LifecycleRule[] = Object.entries(tiers).map(([tier, policy]) => ({
    id: `exports-${tier}`,
    prefix: `${EXPORT_PREFIX}/${tier}/`,
    // S3 refuses a transition at or after the expiration; a short tier simply never leaves Standard.
    transitions: transitions
      .filter((t) => t.days < policy.retentionDays)
      .map((t) => ({ storageClass: t.storageClass, transitionAfter: Duration.days(t.days) })),
    expiration: Duration.days(policy.retentionDays),
    noncurrentVersionExpiration: Duration.days(30),
  }));
  rules.push({
    id: 'housekeeping',
    abortIncompleteMultipartUploadAfter: Duration.days(7),
    expiredObjectDeleteMarker: true,
  });
  return rules;
}
