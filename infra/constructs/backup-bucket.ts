/**
 * Where DynamoDB exports land: versioned, encrypted, private, TLS only, with server access logs.
 * Exports are written under `dynamodb-exports/<tier>/`, so each tier's lifecycle rule moves them
 * through the storage classes and expires them with the tier's retention (S3 does the cleanup of
 * this mode; Apply retention never touches the bucket). Old versions go 30 days after.
 * Each run's item list and Map results live under `runs/<runId>/` (shared/workflow/backup/run-items.ts) and
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
import { backupBucketLifecycle } from '../../shared/backup-bucket-lifecycle';
import type { ExportStorageConfig, TierConfig } from '../../shared/config';
import { RUN_PREFIX } from '../../shared/names';
import { BACKUP_BUCKET_ARN, type PermissionSet } from '../../shared/services/permission-set';

/** Every run's item list (`runs/<runId>/items.json`) and every run's Map results (`runs/<runId>/results/...`). */
const RUN_ITEMS = `${BACKUP_BUCKET_ARN}/${RUN_PREFIX}/*/items.json`;
const RUN_RESULTS = `${BACKUP_BUCKET_ARN}/${RUN_PREFIX}/*/results/*`;

export interface BackupBucketProps {
  tiers: Record<string, TierConfig>;
  storage: ExportStorageConfig;
  /** Unset: generated (the home bucket). A recovery stack's is named (recoveryBucketName), so home finds it. */
  bucketName?: string;
}

export class BackupBucket extends Bucket {
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, { tiers, storage, bucketName }: BackupBucketProps) {
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
      ...(bucketName ? { bucketName } : {}),
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

/**
 * The shared rules (shared/backup-bucket-lifecycle.ts, which the sandbox puts on its bucket too) as CDK
 * lifecycle rules: one definition of what the deployed bucket does with exports.
 */
function exportLifecycle(tiers: Record<string, TierConfig>, storage: ExportStorageConfig): LifecycleRule[] {
  const days = (n: number | undefined) => (n === undefined ? undefined : Duration.days(n));
  return backupBucketLifecycle(tiers, storage).map((rule) => {
    const cdkRule: LifecycleRule = {
      ...(rule.ID ? { id: rule.ID } : {}),
      ...(rule.Filter?.Prefix ? { prefix: rule.Filter.Prefix } : {}),
      enabled: rule.Status === 'Enabled',
      ...(rule.Transitions
        ? {
            transitions: rule.Transitions.map((t) => ({
              storageClass: new StorageClass(t.StorageClass ?? ''),
              transitionAfter: Duration.days(t.Days ?? 0),
            })),
          }
        : {}),
      ...(rule.Expiration?.Days !== undefined ? { expiration: days(rule.Expiration.Days) } : {}),
      ...(rule.Expiration?.ExpiredObjectDeleteMarker ? { expiredObjectDeleteMarker: true } : {}),
      ...(rule.NoncurrentVersionExpiration?.NoncurrentDays !== undefined
        ? { noncurrentVersionExpiration: days(rule.NoncurrentVersionExpiration.NoncurrentDays) }
        : {}),
      ...(rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
        ? { abortIncompleteMultipartUploadAfter: days(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation) }
        : {}),
    };
    return cdkRule;
  });
}
