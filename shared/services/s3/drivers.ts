/** S3's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { s3BucketRestore } from './bucket-restore';
import { s3BucketDriver } from './s3-bucket';

export const s3Drivers: readonly ResourceDriver[] = [s3BucketDriver];

/** Its restore drivers: a bucket or a prefix as of a restore point. */
export const s3RestoreDrivers: readonly RestoreDriver[] = [s3BucketRestore];
