/** S3's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { s3BucketDriver } from './s3-bucket';

export const s3Drivers: readonly ResourceDriver[] = [s3BucketDriver];

/** Its restore drivers: none yet (docs/architecture.md "S3 buckets" describes the restore to build). */
export const s3RestoreDrivers: readonly RestoreDriver[] = [];
