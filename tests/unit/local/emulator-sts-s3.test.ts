/**
 * What a run needs at its endpoint, over the wire with the real SDK clients: STS GetCallerIdentity
 * names the emulated account, S3 HeadBucket/CreateBucket make the exports' bucket (path-style, as the
 * SDK sends it to an IP endpoint), DynamoDB refuses an export to a bucket that does not exist and a
 * table ARN of another account, ensureRunResources finds or creates all of it, twice alike, and S3
 * PutObject/GetObject carry a run's item list (Plan's writeRunItems) as the Map's ItemReader reads it.
 */

import { Readable } from 'node:stream';
import {
  DynamoDBClient,
  DynamoDBServiceException,
  ExportTableToPointInTimeCommand,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { ensureRecoveryBuckets, ensureRunResources } from '../../../local/run-resources';
import { recoveryBucketName } from '../../../shared/names';
import { writeRunItems } from '../../../shared/workflow/backup/run-items';

const REGION = 'eu-west-1';
const ACCOUNT = '444455556666';
const model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => new Date() }, tokenBuckets: false });
let server: EmulatorServer;
const clientConfig = () => ({
  region: REGION,
  endpoint: server.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
  model.addDynamoTable(REGION, { TableName: 'clickstream', pitr: true });
});
afterAll(async () => server.close());

async function failure<T extends Error>(call: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(error)}`);
  return error;
}

describe('STS GetCallerIdentity', () => {
  it("names the emulated account, as a deployed Lambda's context would", async () => {
    const sts = new STSClient(clientConfig());
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/local` });
  });
});

describe('S3 buckets', () => {
  it('answers HeadBucket NotFound, creates the bucket in its region, then finds it and refuses it twice', async () => {
    // Prepare
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    try {
      // Act / Assess
      const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: 'exports-a' })), S3ServiceException);
      expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(['NotFound', 404]);
      await s3.send(
        new CreateBucketCommand({ Bucket: 'exports-a', CreateBucketConfiguration: { LocationConstraint: REGION } }),
      );
      const found = await s3.send(new HeadBucketCommand({ Bucket: 'exports-a' }));
      expect(found.BucketRegion).toBe(REGION);
      const again = await failure(s3.send(new CreateBucketCommand({ Bucket: 'exports-a' })), S3ServiceException);
      expect([again.name, again.$metadata.httpStatusCode]).toEqual(['BucketAlreadyOwnedByYou', 409]);
    } finally {
      s3.destroy();
    }
  });
});

describe('S3 objects', () => {
  beforeAll(() => model.createBucket(REGION, 'runs-a'));

  it('stores a PutObject under a key with slashes and answers GetObject with the same bytes and ETag', async () => {
    // Prepare
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const body = JSON.stringify([{ arn: 'arn:aws:ec2:eu-west-1:444455556666:volume/vol-1', note: 'é' }]);
    try {
      // Act
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'runs-a',
          Key: 'runs/r 1/items.json',
          Body: body,
          ContentType: 'application/json',
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: 'runs-a', Key: 'runs/r 1/items.json' }));

      // Assess
      expect(await got.Body?.transformToString()).toBe(body);
      expect(got.ContentType).toBe('application/json');
      expect(got.ETag).toBe(put.ETag);
      expect(model.objectKeys('runs-a', 'runs/')).toEqual(['runs/r 1/items.json']);
    } finally {
      s3.destroy();
    }
  });

  it('reads a streamed (aws-chunked) PutObject body back whole', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: 'runs-a',
          Key: 'streamed.json',
          Body: Readable.from([Buffer.from('[1,'), Buffer.from('2]')]),
          // A stream of known length: the SDK sends it aws-chunked, with a trailing checksum.
          ContentLength: 5,
        }),
      );
      expect(model.getObject('runs-a', 'streamed.json').body).toBe('[1,2]');
    } finally {
      s3.destroy();
    }
  });

  it('answers NoSuchKey and NoSuchBucket with 404, as S3 does', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    try {
      const key = await failure(s3.send(new GetObjectCommand({ Bucket: 'runs-a', Key: 'nope' })), S3ServiceException);
      const bucket = await failure(
        s3.send(new PutObjectCommand({ Bucket: 'nobody-made-me', Key: 'k', Body: 'x' })),
        S3ServiceException,
      );
      expect([key.name, key.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
      expect([bucket.name, bucket.$metadata.httpStatusCode]).toEqual(['NoSuchBucket', 404]);
    } finally {
      s3.destroy();
    }
  });

  it("writes a run's item list idempotently: a retried Plan puts the same key with the same bytes", async () => {
    // Prepare
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const items = [
      {
        arn: 'arn:aws:rds:eu-west-1:444455556666:db:orders',
        type: 'rds-instance' as const,
        region: REGION,
        accountId: ACCOUNT,
        id: 'orders',
      },
    ];
    try {
      // Act
      const first = await writeRunItems(s3, { bucket: 'runs-a', runId: 'run-7', items });
      const etag = model.getObject('runs-a', 'runs/run-7/items.json').etag;
      const second = await writeRunItems(s3, { bucket: 'runs-a', runId: 'run-7', items });

      // Assess
      expect(second).toEqual(first);
      expect(first).toEqual({
        bucket: 'runs-a',
        key: 'runs/run-7/items.json',
        resultsPrefix: 'runs/run-7/results',
        count: 1,
      });
      expect(model.getObject('runs-a', 'runs/run-7/items.json').etag).toBe(etag);
      expect(JSON.parse(model.getObject('runs-a', 'runs/run-7/items.json').body)).toEqual(items);
      expect(model.objectKeys('runs-a', 'runs/run-7/')).toEqual(['runs/run-7/items.json']);
    } finally {
      s3.destroy();
    }
  });
});

describe('DynamoDB at the endpoint', () => {
  const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/clickstream`;

  it('refuses an export to a bucket that does not exist', async () => {
    const dynamo = new DynamoDBClient(clientConfig());
    const error = await failure(
      dynamo.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'nobody-made-me' })),
      DynamoDBServiceException,
    );
    dynamo.destroy();
    expect([error.name, error.message]).toEqual(['ValidationException', 'S3 bucket nobody-made-me does not exist']);
    expect(model.dynamoExports(REGION)).toEqual([]);
  });

  it('finds a table by an ARN of its own account only', async () => {
    const dynamo = new DynamoDBClient(clientConfig());
    const own = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn }));
    const foreign = await failure(
      dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn.replace(ACCOUNT, '111122223333') })),
      DynamoDBServiceException,
    );
    dynamo.destroy();
    expect(own.Tags).toEqual([]);
    expect(foreign.name).toBe('ResourceNotFoundException');
  });
});

describe('ensureRunResources', () => {
  it('takes the account from STS and creates the topic and bucket once, finding them the second time', async () => {
    // Act
    const options = {
      endpoint: server.endpoint,
      region: REGION,
      topicName: 'Pipeline-notifications',
      bucketName: 'exports-b',
    };
    const first = await ensureRunResources(options);
    const second = await ensureRunResources(options);

    // Assess
    expect(first).toEqual({
      accountId: ACCOUNT,
      topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:Pipeline-notifications`,
      bucketName: 'exports-b',
    });
    expect(second).toEqual(first);
    expect(model.topics.has(first.topicArn)).toBe(true);
    expect(model.s3Buckets.get('exports-b')?.region).toBe(REGION);
  });

  it('names the call that failed when the endpoint lacks a service', async () => {
    const bare = await startEmulatorServer({ defaultRegion: REGION });
    try {
      await expect(
        ensureRunResources({ endpoint: bare.endpoint, region: REGION, topicName: 't', bucketName: 'exports-c' }),
      ).rejects.toThrow(`STS GetCallerIdentity at ${bare.endpoint} failed`);
    } finally {
      await bare.close();
    }
  });
});

describe('ensureRecoveryBuckets', () => {
  it("makes each recovery region's bucket there once, and DynamoDB exports into it from the home region at a chosen ExportTime", async () => {
    // Prepare
    const options = { endpoint: server.endpoint, stackName: 'Pipeline', accountId: ACCOUNT, regions: ['us-west-2'] };
    const bucket = recoveryBucketName('Pipeline', ACCOUNT, 'us-west-2');
    const exportTime = new Date(Date.now() - 3_600_000);

    // Act
    const first = await ensureRecoveryBuckets(options);
    const second = await ensureRecoveryBuckets(options);
    const dynamo = new DynamoDBClient(clientConfig());
    const out = await dynamo.send(
      new ExportTableToPointInTimeCommand({
        TableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/clickstream`,
        S3Bucket: bucket,
        ExportTime: exportTime,
      }),
    );
    dynamo.destroy();

    // Assess
    expect(first).toEqual([bucket]);
    expect(second).toEqual(first);
    expect(model.s3Buckets.get(bucket)?.region).toBe('us-west-2');
    expect(out.ExportDescription?.S3Bucket).toBe(bucket);
    // Over the wire ExportTime is epoch seconds (with a fraction): the point in time asked.
    expect(out.ExportDescription?.ExportTime?.getTime()).toBe(exportTime.getTime());
  });
});
