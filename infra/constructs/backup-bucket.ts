/**
 * Where DynamoDB exports land: versioned, encrypted, private, TLS only, with server access logs.
 * Exports are written under `dynamodb-exports/<tier>/`, so each tier's lifecycle rule moves them
 * through the storage classes and expires them with the tier's retention (S3 does the cleanup of
 * this mode; Apply retention never touches the bucket). Old versions go 30 days after.
 * Each run's item list and Map results live under `runs/<runId>/` (shared/workflow/run-items.ts) and
 * expire after RUN_OBJECTS_DAYS; Plan may write only the item lists, the state machine read them and
 * write only the results (runObjectPermissions, applied with every grant in ./permissions.ts).
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
import { EXPORT_PREFIX, RUN_OBJECTS_DAYS, RUN_PREFIX } from '../../shared/names';
import { BACKUP_BUCKET_ARN, type PermissionSet } from '../../shared/services/permission-set';

/** Every run's item list (`runs/<runId>/items.json`) and every run's Map results (`runs/<runId>/results/...`). */
const RUN_ITEMS = `${BACKUP_BUCKET_ARN}/${RUN_PREFIX}/*/items.json`;
const RUN_RESULTS = `${BACKUP_BUCKET_ARN}/${RUN_PREFIX}/*/results/*`;

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

  /**
   * The run objects' grants: Plan writes the item list; the state machine reads it (the Map's
   * ItemReader: s3:GetObject) and writes the Map's results (ResultWriter: PutObject with multipart
   * upload, and GetObject), as Step Functions documents for a Distributed Map over S3.
   */
  runObjectPermissions(): PermissionSet<'plan-run' | 'state-machine'> {
    const perRun =
      'Keys are named by the run id, known only at run time; the pattern allows only this kind of run object.';
    return {
      'plan-run': {
        grants: [{ actions: ['s3:PutObject'], resources: [RUN_ITEMS] }],
        wildcards: { [RUN_ITEMS]: perRun },
      },
      'state-machine': {
        grants: [
          { actions: ['s3:GetObject'], resources: [RUN_ITEMS] },
          {
            actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
            resources: [RUN_RESULTS],
          },
        ],
        wildcards: { [RUN_ITEMS]: perRun, [RUN_RESULTS]: perRun },
      },
    };
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
  // A run's item list and results are working files: kept a week to inspect a failed run, then gone.
  rules.push({ id: 'run-objects', prefix: `${RUN_PREFIX}/`, expiration: Duration.days(RUN_OBJECTS_DAYS) });
  rules.push({
    id: 'housekeeping',
    abortIncompleteMultipartUploadAfter: Duration.days(7),
    expiredObjectDeleteMarker: true,
  });
  return rules;
}
