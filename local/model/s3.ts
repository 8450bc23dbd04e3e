/**
 * S3, what a run needs at the endpoint: buckets (one global namespace, each with its region), which
 * DynamoDB exports write to.
 */
import { AwsApiError, Backend } from './core';

export class S3Backend extends Backend {
  /** S3 buckets by name (one namespace for every region) with their region: exports need one. */
  readonly buckets = new Map<string, { region: string; createdAt: string }>();

  /** S3 CreateBucket: the name is global; creating one's own bucket again is BucketAlreadyOwnedByYou. */
  createBucket(region: string, name: string) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name))
      throw new AwsApiError('InvalidBucketName', 'The specified bucket is not valid.', 400);
    if (this.buckets.has(name))
      throw new AwsApiError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    this.buckets.set(name, { region, createdAt: this.core.clock.now().toISOString() });
    return { Location: `/${name}` };
  }
}
