/**
 * S3, what a run needs at the endpoint: buckets (one global namespace, each with its region), which
 * DynamoDB exports write to, and objects in them: the run's item list Plan writes and the Map reads
 * (ItemReader), and the Map's results (ResultWriter).
 */
import { createHash } from 'node:crypto';
import { AwsApiError, Backend } from './core';

export interface S3ObjectModel {
  body: string;
  contentType: string;
  etag: string;
  lastModified: string;
}

export class S3Backend extends Backend {
  /** S3 buckets by name (one namespace for every region) with their region: exports need one. */
  readonly buckets = new Map<string, { region: string; createdAt: string }>();
  /** Objects by bucket, then key (the latest version only: nothing here reads older ones). */
  readonly objects = new Map<string, Map<string, S3ObjectModel>>();

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

  private bucketObjects(bucket: string): Map<string, S3ObjectModel> {
    if (!this.buckets.has(bucket)) throw new AwsApiError('NoSuchBucket', 'The specified bucket does not exist', 404);
    let objects = this.objects.get(bucket);
    if (!objects) {
      objects = new Map();
      this.objects.set(bucket, objects);
    }
    return objects;
  }

  /** S3 PutObject: replaces the key's object; the ETag is the body's MD5, as S3 gives a single-part upload. */
  putObject(bucket: string, key: string, body: string, contentType = 'binary/octet-stream') {
    if (key === '') throw new AwsApiError('InvalidArgument', 'An object key must not be empty.', 400);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    this.bucketObjects(bucket).set(key, {
      body,
      contentType,
      etag,
      lastModified: this.core.clock.now().toISOString(),
    });
    return { ETag: etag };
  }

  /** S3 GetObject: NoSuchBucket or NoSuchKey (404) when absent. */
  getObject(bucket: string, key: string): S3ObjectModel {
    const found = this.bucketObjects(bucket).get(key);
    if (!found) throw new AwsApiError('NoSuchKey', 'The specified key does not exist.', 404);
    return found;
  }

  /** The keys of a bucket under a prefix, sorted as S3 lists them (inspection). */
  objectKeys(bucket: string, prefix = ''): string[] {
    return [...(this.objects.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }
}
