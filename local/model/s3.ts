/**
 * S3, what a run needs at the endpoint: buckets (one global namespace, each with its region), which
 * DynamoDB exports write to, and objects in them: the run's item list Plan writes and the Map reads
 * (ItemReader), and the Map's results (ResultWriter). A bucket's lifecycle rules
 * (PutBucketLifecycleConfiguration, checked and applied by ./s3-lifecycle.ts) give each object its
 * storage class by age and expire it: GetObject answers NoSuchKey for an expired object and
 * InvalidObjectState (403) for one in GLACIER or DEEP_ARCHIVE, as S3 does for an archived object with
 * no restored copy (the model makes none: nothing here calls RestoreObject).
 */
import { createHash } from 'node:crypto';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { AwsApiError, Backend } from './core';
import { defineModelService } from './registry';
import { ARCHIVED_CLASSES, objectLifecycleState, type StorageClass, validateLifecycleRules } from './s3-lifecycle';

/** GetObject of an archived object: S3's error carries the object's storage class. */
export class InvalidObjectStateError extends AwsApiError {
  constructor(
    readonly storageClass: StorageClass,
    where: string,
  ) {
    super(
      'InvalidObjectState',
      `The operation is not valid for the object's storage class: ${where} is ${storageClass} and must be restored (RestoreObject) first.`,
      403,
    );
  }
}

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
  /** Lifecycle rules by bucket, as PutBucketLifecycleConfiguration set them. */
  private readonly lifecycles = new Map<string, LifecycleRule[]>();

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

  /**
   * S3 GetObject: NoSuchBucket or NoSuchKey (404) when absent or expired by the bucket's lifecycle;
   * InvalidObjectState (403) when the lifecycle has archived it. The object carries its storage class.
   */
  getObject(bucket: string, key: string): S3ObjectModel & { storageClass: StorageClass } {
    const objects = this.bucketObjects(bucket);
    const found = objects.get(key);
    if (!found) throw new AwsApiError('NoSuchKey', 'The specified key does not exist.', 404);
    const state = this.objectState(bucket, key, Date.parse(found.lastModified));
    if (state.expired) {
      objects.delete(key);
      throw new AwsApiError('NoSuchKey', 'The specified key does not exist.', 404);
    }
    this.assertReadable(bucket, key, state.storageClass);
    return { ...found, storageClass: state.storageClass };
  }

  /** S3 PutBucketLifecycleConfiguration: replaces the bucket's rules, after S3's checks on them. */
  putBucketLifecycleConfiguration(bucket: string, input: { Rules?: LifecycleRule[] }) {
    this.bucketObjects(bucket);
    this.lifecycles.set(bucket, structuredClone(validateLifecycleRules(input.Rules)));
    return {};
  }

  /** S3 GetBucketLifecycleConfiguration: NoSuchLifecycleConfiguration (404) when the bucket has none. */
  getBucketLifecycleConfiguration(bucket: string): { Rules: LifecycleRule[] } {
    this.bucketObjects(bucket);
    const rules = this.lifecycles.get(bucket);
    if (!rules)
      throw new AwsApiError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404);
    return { Rules: structuredClone(rules) };
  }

  /**
   * What the bucket's lifecycle makes, now, of an object under `key` written at `writtenMs`: its
   * storage class or expired. For objects another service writes and the model does not store one by
   * one (a DynamoDB export's data files, written when the export completes).
   */
  objectState(bucket: string, key: string, writtenMs: number) {
    return objectLifecycleState(this.lifecycles.get(bucket) ?? [], key, writtenMs, this.nowMs());
  }

  /** Refuses to read an archived object as S3 does (InvalidObjectState): a reader of its bytes calls this. */
  assertReadable(bucket: string, key: string, storageClass: StorageClass): void {
    if (ARCHIVED_CLASSES.includes(storageClass))
      throw new InvalidObjectStateError(storageClass, `s3://${bucket}/${key}`);
  }

  /** The keys of a bucket under a prefix, sorted as S3 lists them (inspection). */
  objectKeys(bucket: string, prefix = ''): string[] {
    return [...(this.objects.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }
}

export const s3Model = defineModelService({
  name: 's3',
  build: (core) => new S3Backend(core),
  operations: [
    'createBucket',
    'putObject',
    'getObject',
    'objectKeys',
    'putBucketLifecycleConfiguration',
    'getBucketLifecycleConfiguration',
  ],
  views: { s3Buckets: 'buckets' },
});
