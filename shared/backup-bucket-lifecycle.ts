/**
 * The backup bucket's lifecycle rules, in the S3 API's own shape (PutBucketLifecycleConfiguration's
 * `Rules`). One definition for both places a bucket is made: the CDK construct turns each rule into
 * its `LifecycleRule` (infra/constructs/backup-bucket.ts), and the sandbox puts the same rules on the
 * bucket it creates (local/run-resources.ts, the workflow tests), where the model gives each object its
 * storage class by age under them. So a restore test reads exports as the deployed bucket keeps them.
 * A test checks the synthesized template holds exactly these rules (tests/infra).
 */
import type { LifecycleRule, TransitionStorageClass } from '@aws-sdk/client-s3';
import type { ExportStorageConfig, TierConfig } from './config';
import { EXPORT_PREFIX, RUN_OBJECTS_DAYS, RUN_PREFIX } from './names';

/** Days a replaced (noncurrent) export version is kept: the bucket is versioned. */
export const NONCURRENT_EXPORT_DAYS = 30;
/** Days before an unfinished multipart upload is aborted. */
const ABORT_UPLOAD_DAYS = 7;

/** Where each tier's exports lie: `dynamodb-exports/<tier>/`, the prefix its lifecycle rule keys on. */
export const exportTierPrefix = (tier: string): string => `${EXPORT_PREFIX}/${tier}/`;

export function backupBucketLifecycle(
  tiers: Record<string, Pick<TierConfig, 'retentionDays'>>,
  storage: ExportStorageConfig,
): LifecycleRule[] {
  const transitions: { StorageClass: TransitionStorageClass; Days: number }[] = [
    { StorageClass: 'STANDARD_IA', Days: storage.infrequentAccessDays },
    // Never GLACIER or DEEP_ARCHIVE: ImportTable cannot read an archived export (docs/architecture.md, Restore).
    { StorageClass: 'GLACIER_IR', Days: storage.glacierInstantRetrievalDays },
  ];
  const rules: LifecycleRule[] = Object.entries(tiers).map(([tier, policy]) => {
    // S3 refuses a transition at or after the expiration; a short tier simply never leaves Standard.
    const kept = transitions.filter((t) => t.Days < policy.retentionDays);
    return {
      ID: `exports-${tier}`,
      Filter: { Prefix: exportTierPrefix(tier) },
      Status: 'Enabled',
      ...(kept.length > 0 ? { Transitions: kept } : {}),
      Expiration: { Days: policy.retentionDays },
      NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_EXPORT_DAYS },
    };
  });
  // A run's item list and results are working files: kept a week to inspect a failed run, then gone.
  rules.push({
    ID: 'run-objects',
    Filter: { Prefix: `${RUN_PREFIX}/` },
    Status: 'Enabled',
    Expiration: { Days: RUN_OBJECTS_DAYS },
  });
  rules.push({
    ID: 'housekeeping',
    Filter: {},
    Status: 'Enabled',
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_UPLOAD_DAYS },
    Expiration: { ExpiredObjectDeleteMarker: true },
  });
  return rules;
}
