/**
 * The REST-XML routes (path-style, as the SDK sends them to an IP endpoint) of the calls a backup and a
 * restore of a bucket make, answered by the model's simulated buckets (local/model/s3-buckets.ts,
 * s3-restore.ts) and Batch Operations jobs (s3-jobs.ts): ListBuckets (`GET /`), the bucket's tagging,
 * versioning and replication (`?tagging`, `?versioning`, `?replication`), ListObjectVersions
 * (`?versions`), ListObjectsV2 (`?list-type=2`), DeleteObjects (`POST ?delete`), DeleteBucket, and S3
 * Control's CreateJob / DescribeJob (`/v20180820/jobs`, signed as `s3`, the account in
 * `x-amz-account-id`). Undefined: not one of these; ./s3.ts answers the rest.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { AwsModel } from '../model';
import type { ServiceRequest, ServiceResponse } from './server';

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });
const LISTS = new Set(['Tag', 'Rule', 'Object', 'member']);
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => LISTS.has(name) });
const xml = (body: unknown): ServiceResponse => ({
  status: 200,
  contentType: 'application/xml',
  body: `<?xml version="1.0" encoding="UTF-8"?>${builder.build(body)}`,
});
const header = (request: ServiceRequest, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};
const iso = (d: Date | undefined) => d?.toISOString();

/** S3 Control's XML as the API's shapes: `member` lists unwrapped, booleans and numbers typed. */
function typed(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => typed(v));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0]?.[0] === 'member') return typed(entries[0][1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, typed(v, k)]));
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (key === 'Priority' && typeof value === 'string') return Number(value);
  return value === '' ? {} : value;
}

function control(model: AwsModel, request: ServiceRequest, path: string): ServiceResponse | undefined {
  const AccountId = header(request, 'x-amz-account-id');
  if (request.method === 'POST' && path === '/v20180820/jobs') {
    const doc = typed(parser.parse(request.body)) as { CreateJobRequest?: Record<string, unknown> };
    const out = model.createJob(request.region, { ...(doc.CreateJobRequest ?? {}), AccountId } as never);
    return xml({ CreateJobResult: out });
  }
  const id = /^\/v20180820\/jobs\/([^/]+)$/.exec(path)?.[1];
  if (request.method === 'GET' && id) {
    const { Job } = model.describeJob(request.region, { AccountId, JobId: decodeURIComponent(id) });
    return xml({
      DescribeJobResult: {
        Job: {
          ...Job,
          CreationTime: iso(Job.CreationTime),
          ...('TerminationDate' in Job ? { TerminationDate: iso(Job.TerminationDate as Date) } : {}),
          ...('FailureReasons' in Job ? { FailureReasons: { member: Job.FailureReasons } } : {}),
        },
      },
    });
  }
  return undefined;
}

export function bucketRoute(model: AwsModel, request: ServiceRequest): ServiceResponse | undefined {
  const [pathname = '/', query = ''] = request.path.split('?');
  if (pathname.startsWith('/v20180820/')) return control(model, request, pathname);
  const params = new URLSearchParams(query);
  params.delete('x-id');
  const bucket = decodeURIComponent(pathname.split('/')[1] ?? '');
  const onBucket = bucket !== '' && pathname.replace(/\/$/, '') === `/${bucket}`;
  const Owner = header(request, 'x-amz-expected-bucket-owner');
  const input = { Bucket: bucket, ...(Owner ? { ExpectedBucketOwner: Owner } : {}) };
  const doc = () => parser.parse(request.body) as Record<string, Record<string, unknown>>;
  const sub = [...params.keys()].find((k) =>
    ['tagging', 'versioning', 'replication', 'versions', 'delete', 'list-type'].includes(k),
  );
  const { method } = request;
  if (bucket === '' && pathname === '/' && method === 'GET') {
    const region = params.get('bucket-region');
    const { Buckets } = model.listBuckets(region ? { BucketRegion: region } : {});
    return xml({
      ListAllMyBucketsResult: {
        Buckets: { Bucket: Buckets.map((b) => ({ ...b, CreationDate: iso(b.CreationDate) })) },
      },
    });
  }
  if (!onBucket) return undefined;
  if (sub === 'tagging' && method === 'GET')
    return xml({ Tagging: { TagSet: { Tag: model.getBucketTagging(input).TagSet } } });
  if (sub === 'tagging' && method === 'PUT') {
    const tags = (doc().Tagging?.TagSet as { Tag?: { Key: string; Value: string }[] } | undefined)?.Tag ?? [];
    model.putBucketTagging({ ...input, Tagging: { TagSet: tags } });
    return { status: 204, contentType: 'application/xml', body: '' };
  }
  if (sub === 'versioning' && method === 'GET')
    return xml({ VersioningConfiguration: model.getBucketVersioning(input) });
  if (sub === 'versioning' && method === 'PUT') {
    const Status = doc().VersioningConfiguration?.Status as 'Enabled' | 'Suspended';
    model.putBucketVersioning({ ...input, VersioningConfiguration: { Status } });
    return { status: 200, contentType: 'application/xml', body: '' };
  }
  if (sub === 'replication' && method === 'GET') {
    const { ReplicationConfiguration: c } = model.getBucketReplication(input);
    return xml({ ReplicationConfiguration: { Role: c.Role, Rule: c.Rules } });
  }
  if (sub === 'replication' && method === 'PUT') {
    const c = doc().ReplicationConfiguration ?? {};
    const rules = ((c.Rule as Record<string, unknown>[] | undefined) ?? []).map((r) => ({
      ...r,
      ...(r.Priority !== undefined ? { Priority: Number(r.Priority) } : {}),
    }));
    model.putBucketReplication({ ...input, ReplicationConfiguration: { Role: String(c.Role), Rules: rules as never } });
    return { status: 200, contentType: 'application/xml', body: '' };
  }
  if (sub === 'versions' && method === 'GET') {
    const out = model.listObjectVersions({
      ...input,
      ...(params.get('prefix') ? { Prefix: params.get('prefix') as string } : {}),
      ...(params.get('key-marker') ? { KeyMarker: params.get('key-marker') as string } : {}),
      ...(params.get('version-id-marker') ? { VersionIdMarker: params.get('version-id-marker') as string } : {}),
      ...(params.get('max-keys') ? { MaxKeys: Number(params.get('max-keys')) } : {}),
    });
    return xml({
      ListVersionsResult: {
        Name: bucket,
        Prefix: params.get('prefix') ?? '',
        IsTruncated: out.IsTruncated,
        ...(out.NextKeyMarker
          ? { NextKeyMarker: out.NextKeyMarker, NextVersionIdMarker: out.NextVersionIdMarker }
          : {}),
        Version: out.Versions.map((v) => ({ ...v, LastModified: iso(v.LastModified) })),
        DeleteMarker: out.DeleteMarkers.map((d) => ({ ...d, LastModified: iso(d.LastModified) })),
      },
    });
  }
  if (sub === 'list-type' && method === 'GET') {
    const out = model.listObjectsV2({
      ...input,
      ...(params.get('prefix') ? { Prefix: params.get('prefix') as string } : {}),
      ...(params.get('max-keys') ? { MaxKeys: Number(params.get('max-keys')) } : {}),
    });
    return xml({ ListBucketResult: { Name: bucket, ...out } });
  }
  if (sub === 'delete' && method === 'POST') {
    const objects = (doc().Delete?.Object as { Key?: string; VersionId?: string }[] | undefined) ?? [];
    const out = model.deleteObjects({ ...input, Delete: { Objects: objects } });
    return xml({ DeleteResult: { Deleted: out.Deleted } });
  }
  if (sub === undefined && method === 'DELETE') {
    model.deleteSimulatedBucket(input);
    return { status: 204, contentType: 'application/xml', body: '' };
  }
  return undefined;
}
