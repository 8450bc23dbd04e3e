/**
 * S3 on the emulator (REST-XML, path-style as the SDK sends it to an IP endpoint): the bucket calls
 * the sandbox makes so DynamoDB exports have somewhere to go, HeadBucket (200, or 404 with no body, as
 * S3 answers a HEAD) and CreateBucket (`CreateBucketConfiguration.LocationConstraint` read from the
 * XML body), and the object calls of a run's item list and results: PutObject (`PUT /bucket/key`,
 * a plain or `aws-chunked` body) and GetObject (`GET /bucket/key`, with `x-amz-storage-class` when not
 * STANDARD; an archived object's InvalidObjectState names its class), and the bucket's lifecycle
 * (`PUT`/`GET /bucket?lifecycle`, the rules the stack deploys, which the model applies by age). Any
 * other request gets S3's NotImplemented error document.
 */
import { randomUUID } from 'node:crypto';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { AwsApiError, type AwsModel } from '../model';
import { InvalidObjectStateError } from '../model/s3';
import { bucketRoute } from './s3-buckets';
import type { ServiceHandler, ServiceResponse } from './server';

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });
// Every value a string (a prefix of digits stays a prefix); lists that S3 flattens are always arrays.
const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => name === 'Rule' || name === 'Transition' || name === 'NoncurrentVersionTransition',
});

type XmlRule = Record<string, unknown> & {
  ID?: string;
  Status?: string;
  Prefix?: string;
  Filter?: Record<string, unknown> | string;
  Transition?: { Days?: string; StorageClass?: string }[];
  Expiration?: { Days?: string; ExpiredObjectDeleteMarker?: string };
  NoncurrentVersionExpiration?: { NoncurrentDays?: string };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation?: string };
};

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

/** PutBucketLifecycleConfiguration's XML body as the API's rules (flattened `Rule`/`Transition` lists). */
function lifecycleRulesOf(body: string): LifecycleRule[] {
  const doc = parser.parse(body) as { LifecycleConfiguration?: { Rule?: XmlRule[] } };
  return (doc.LifecycleConfiguration?.Rule ?? []).map((r) => {
    const filter = typeof r.Filter === 'object' ? r.Filter : undefined;
    return {
      ...(r.ID !== undefined ? { ID: r.ID } : {}),
      Status: r.Status as LifecycleRule['Status'],
      ...(r.Prefix !== undefined ? { Prefix: r.Prefix } : {}),
      ...(r.Filter !== undefined ? { Filter: (filter ?? {}) as LifecycleRule['Filter'] } : {}),
      ...(r.Transition
        ? {
            Transitions: r.Transition.map((t) => ({
              ...(t.Days !== undefined ? { Days: num(t.Days) } : {}),
              StorageClass: t.StorageClass as never,
            })),
          }
        : {}),
      ...(r.Expiration
        ? {
            Expiration: {
              ...(r.Expiration.Days !== undefined ? { Days: num(r.Expiration.Days) } : {}),
              ...(r.Expiration.ExpiredObjectDeleteMarker !== undefined
                ? { ExpiredObjectDeleteMarker: r.Expiration.ExpiredObjectDeleteMarker === 'true' }
                : {}),
            },
          }
        : {}),
      ...(r.NoncurrentVersionExpiration
        ? { NoncurrentVersionExpiration: { NoncurrentDays: num(r.NoncurrentVersionExpiration.NoncurrentDays) } }
        : {}),
      ...(r.AbortIncompleteMultipartUpload
        ? {
            AbortIncompleteMultipartUpload: {
              DaysAfterInitiation: num(r.AbortIncompleteMultipartUpload.DaysAfterInitiation),
            },
          }
        : {}),
    };
  });
}

/** GetBucketLifecycleConfiguration's XML: the rules with their lists flattened again. */
function lifecycleDocument(rules: LifecycleRule[]): string {
  return builder.build({
    LifecycleConfiguration: {
      Rule: rules.map(({ Transitions, NoncurrentVersionTransitions: _n, ...rest }) => ({
        ...rest,
        ...(Transitions ? { Transition: Transitions } : {}),
      })),
    },
  });
}

function errorDocument(error: AwsApiError, bucket: string): ServiceResponse {
  const requestId = randomUUID();
  return {
    status: error.status,
    contentType: 'application/xml',
    headers: { 'x-amz-request-id': requestId },
    body: builder.build({
      Error: {
        Code: error.code,
        Message: error.message,
        ...(error instanceof InvalidObjectStateError ? { StorageClass: error.storageClass } : {}),
        BucketName: bucket,
        RequestId: requestId,
      },
    }),
  };
}

/**
 * The payload of an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>`),
 * how the SDK sends a streamed body with a trailing checksum; any other body is the payload itself.
 */
export function decodeAwsChunked(body: string, contentEncoding: string | undefined): string {
  if (!contentEncoding?.split(',').some((e) => e.trim() === 'aws-chunked')) return body;
  const raw = Buffer.from(body, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

export function s3Service(model: AwsModel): ServiceHandler {
  return {
    async handle(request) {
      const [pathname = '/', query = ''] = request.path.split('?');
      const bucket = decodeURIComponent(pathname.split('/')[1] ?? '');
      const isBucketCall = bucket !== '' && pathname.replace(/\/$/, '') === `/${bucket}` && query === '';
      // `/bucket/key/with/slashes`; the SDK adds `?x-id=GetObject` and the like, which names nothing here.
      const key = bucket === '' ? '' : decodeURIComponent(pathname.slice(bucket.length + 2));
      const objectQuery = new URLSearchParams(query);
      objectQuery.delete('x-id');
      const isObjectCall = key !== '' && [...objectQuery.keys()].length === 0;
      try {
        // A backed-up bucket's calls and S3 Control's jobs (./s3-buckets.ts), bodies decoded.
        const encoding = request.headers['content-encoding'];
        const routed = bucketRoute(model, {
          ...request,
          body: decodeAwsChunked(request.body, typeof encoding === 'string' ? encoding : undefined),
        });
        if (routed) return routed;
        if (isObjectCall && request.method === 'PUT') {
          const header = request.headers['content-type'];
          const contentEncoding = request.headers['content-encoding'];
          const { ETag } = model.putObject(
            bucket,
            key,
            decodeAwsChunked(request.body, typeof contentEncoding === 'string' ? contentEncoding : undefined),
            typeof header === 'string' ? header : undefined,
          );
          return { status: 200, contentType: 'application/xml', body: '', headers: { etag: ETag } };
        }
        if (isObjectCall && request.method === 'GET') {
          const found = model.getObject(bucket, key);
          return {
            status: 200,
            contentType: found.contentType,
            body: found.body,
            headers: {
              etag: found.etag,
              'last-modified': new Date(found.lastModified).toUTCString(),
              'content-length': String(Buffer.byteLength(found.body)),
              ...(found.storageClass !== 'STANDARD' ? { 'x-amz-storage-class': found.storageClass } : {}),
            },
          };
        }
        const isLifecycleCall =
          bucket !== '' &&
          pathname.replace(/\/$/, '') === `/${bucket}` &&
          [...objectQuery.keys()].join() === 'lifecycle';
        if (isLifecycleCall && request.method === 'PUT') {
          const encoding = request.headers['content-encoding'];
          const body = decodeAwsChunked(request.body, typeof encoding === 'string' ? encoding : undefined);
          model.putBucketLifecycleConfiguration(bucket, { Rules: lifecycleRulesOf(body) });
          return { status: 200, contentType: 'application/xml', body: '' };
        }
        if (isLifecycleCall && request.method === 'GET') {
          const { Rules } = model.getBucketLifecycleConfiguration(bucket);
          return { status: 200, contentType: 'application/xml', body: lifecycleDocument(Rules) };
        }
        if (isBucketCall && request.method === 'HEAD') {
          const found = model.s3Buckets.get(bucket);
          // A HEAD answer has no body: the SDK reads the status (404 -> NotFound, 403 -> Forbidden).
          if (!found) return { status: 404, contentType: 'application/xml', body: '' };
          const owner = request.headers['x-amz-expected-bucket-owner'];
          const simulated = model.simulatedBuckets.get(bucket);
          if (simulated && typeof owner === 'string' && simulated.owner !== owner)
            return { status: 403, contentType: 'application/xml', body: '' };
          return {
            status: 200,
            contentType: 'application/xml',
            body: '',
            headers: { 'x-amz-bucket-region': found.region },
          };
        }
        if (isBucketCall && request.method === 'PUT') {
          const constraint = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(request.body)?.[1];
          const created = model.createSimulatedBucket(constraint || 'us-east-1', bucket);
          return { status: 200, contentType: 'application/xml', body: '', headers: { location: created.Location } };
        }
        throw new AwsApiError(
          'NotImplemented',
          `The local emulator does not implement ${request.method} ${request.path} on S3.`,
          501,
        );
      } catch (error) {
        if (error instanceof AwsApiError) return errorDocument(error, bucket);
        throw error;
      }
    },
  };
}

type Input = Record<string, unknown>;
type SdkAction = (model: AwsModel, region: string, input: Input) => unknown;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * The bucket calls a backup of a bucket makes (shared/services/s3), answered by the model's simulated
 * buckets (local/model/s3-buckets.ts) in the SDK's shapes, by the SDK command's name. The workflow tests
 * answer S3Client with it (tests/support/model-sdk-mocks.ts); the REST-XML routes for these calls are
 * not served yet (the handler above answers NotImplemented).
 */
export const S3_BUCKET_ACTIONS: Record<string, SdkAction> = {
  ListBuckets: (model, _region, input) =>
    model.listBuckets({ ...(str(input.BucketRegion) ? { BucketRegion: str(input.BucketRegion) } : {}) }),
  HeadBucket: (model, _region, input) => model.headBucket(input as never),
  GetBucketTagging: (model, _region, input) => model.getBucketTagging(input as never),
  PutBucketTagging: (model, _region, input) => model.putBucketTagging(input as never),
  GetBucketVersioning: (model, _region, input) => model.getBucketVersioning(input as never),
  PutBucketVersioning: (model, _region, input) => model.putBucketVersioning(input as never),
  GetBucketReplication: (model, _region, input) => model.getBucketReplication(input as never),
  PutBucketReplication: (model, _region, input) => model.putBucketReplication(input as never),
  // The client's region is where the bucket is made (the SDK puts it in LocationConstraint outside us-east-1).
  CreateBucket: (model, region, input) => {
    const constraint = str((input.CreateBucketConfiguration as Input | undefined)?.LocationConstraint);
    if ((constraint ?? 'us-east-1') !== region)
      throw new AwsApiError(
        'IllegalLocationConstraintException',
        `The ${constraint ?? 'us-east-1'} location constraint is incompatible with the region ${region} the request was sent to.`,
        400,
      );
    return model.createSimulatedBucket(region, String(input.Bucket));
  },
  ListObjectVersions: (model, _region, input) => model.listObjectVersions(input as never),
  ListObjectsV2: (model, _region, input) => model.listObjectsV2(input as never),
  DeleteBucket: (model, _region, input) => model.deleteSimulatedBucket(input as never),
  DeleteObjects: (model, _region, input) => model.deleteObjects(input as never),
};

/** S3 Control's Batch Operations calls, answered by the model's jobs (local/model/s3-jobs.ts), by the SDK command's name. */
export const S3_CONTROL_ACTIONS: Record<string, SdkAction> = {
  CreateJob: (model, region, input) => model.createJob(region, input as never),
  DescribeJob: (model, region, input) => model.describeJob(region, input as never),
};
