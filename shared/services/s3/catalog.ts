/**
 * S3's part of the catalog (../catalog.ts): buckets, the pipeline's ARN for one, the kind of restore
 * point its store names, the error codes S3 and S3 Control answer with, the IAM action each S3 call is
 * authorized as where it differs from the call's name, and the runbook's steps for its causes. Data
 * only: read at module load by shared/resource.ts and shared/errors.ts.
 *
 * A bucket's own ARN (`arn:aws:s3:::<name>`) names neither its region nor its account, which every
 * backup, restore and ownership check needs (a bucket name is global: the same name may be another
 * account's tomorrow). The pipeline therefore names a bucket `arn:<partition>:s3:<region>:<account>:bucket/<name>`,
 * the shape of S3's regional resources (access points, jobs), and checks both at Plan: the account with
 * `ExpectedBucketOwner`, the region with HeadBucket.
 */
import { z } from 'zod';
import type { ServiceCatalog } from '../catalog-types';
import { S3_ACTION_OF_CALL } from './action-names';
import { S3_IMPLIED_ACTIONS, S3_PERMISSIONS } from './permissions';

export { runtimeBucketPrefix } from '../../names';

export const s3Catalog = {
  service: 's3',
  usedByTheStack: true,
  types: [
    {
      type: 's3-bucket',
      arn: { service: 's3', prefix: 'bucket/', resource: /^bucket\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/ },
      label: 'S3 buckets',
      countLabel: 'buckets',
      // Noncurrent versions in the backup bucket, Standard first (docs/architecture.md "S3 buckets").
      storagePrice: { backup: 'S3 Standard (replicated versions)', usdPerGbMonth: 0.023 },
    },
  ],
  backupKinds: ['s3-restore-point'],
  placement: {
    /** Restore only the keys under this prefix (a bucket's restore: all of them). */
    objectPrefix: z.string().min(1).max(1024).optional(),
  },
  errorCodes: {
    throttling: ['SlowDown'],
    notFound: ['NoSuchBucket', 'NotFoundException'],
    nameInUse: ['BucketAlreadyExists'],
  },
  runbook: [
    {
      error: 'InvalidResourceStateError',
      reason: /has versioning/,
      next: "enable the bucket's versioning (S3 replication needs it), or remove its backup tag",
      section: 'A backup failed',
    },
  ],
  permissions: S3_PERMISSIONS,
  impliedActions: S3_IMPLIED_ACTIONS,
  actionOfCall: S3_ACTION_OF_CALL,
} as const satisfies ServiceCatalog;

export function s3BucketArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:s3:${region}:${accountId}:bucket/${name}`;
}
