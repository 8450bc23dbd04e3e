/**
 * AWS SDK clients, created once per region at module scope and reused across invocations.
 * Tests mock them with aws-sdk-client-mock; the local sandbox redirects them with AWS_ENDPOINT_URL*.
 * Retries here are the SDK's own (standard mode, AWS_MAX_ATTEMPTS or 3); throttling that outlasts them
 * becomes ThrottledError (retried by the ASL, or call by call in long series: shared/throttle-retry.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * One client per region and endpoint. In Lambda the endpoint never changes; the local sandbox points
 * AWS_ENDPOINT_URL* at a fresh emulator per run, and a client must follow it.
 * Every client is captured for X-Ray here, where all of them are made, so every SDK call shows in the
 * trace (a no-op when tracing is off: outside Lambda, shared/lambda/powertools.ts).
 */
export function perRegion<T>(service: string, create: (region: string) => T): (region?: string) => T {
  const cache = new Map<string, T>();
  return (region = defaultRegion()) => {
    const key = `${region}|${process.env.AWS_ENDPOINT_URL ?? ''}|${process.env[`AWS_ENDPOINT_URL_${service}`] ?? ''}`;
    let client = cache.get(key);
    if (!client) {
      client = create(region);
      // A document client shares its client's middleware stack, so capturing either traces both.
      tracer.captureAWSv3Client(client);
      cache.set(key, client);
    }
    return client;
  };
}

/** The SDK's own retries (read when a client is made: the sandbox sets 1 so the ASL's Retry is exercised). */
function maxAttempts(): number {
  return Number(process.env.AWS_MAX_ATTEMPTS ?? 3);
}

export function defaultRegion(): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  return region;
}

export const ec2Client = perRegion('EC2', (region) => new EC2Client({ region, maxAttempts: maxAttempts() }));
/**
 * For creates that have no idempotency key (EBS CreateSnapshot/CreateSnapshots, CopySnapshot): the SDK
 * must not retry them, because a retry after a create that succeeded (its answer lost to a 5xx or a
 * broken connection) makes a second backup. A failure goes to the workflow's Retry, whose next attempt
 * looks for what the first may have made before creating (shared/workflow/backup-start.ts).
 */
export const ec2CreateClient = perRegion('EC2', (region) => new EC2Client({ region, maxAttempts: 1 }));
export const rdsClient = perRegion('RDS', (region) => new RDSClient({ region, maxAttempts: maxAttempts() }));
export const eventsClient = perRegion(
  'EVENTBRIDGE',
  (region) => new EventBridgeClient({ region, maxAttempts: maxAttempts() }),
);
/** KMS is only asked at Plan: does each copy region's key exist (DescribeKey)? */
export const kmsClient = perRegion('KMS', (region) => new KMSClient({ region, maxAttempts: maxAttempts() }));
export const snsClient = perRegion('SNS', (region) => new SNSClient({ region, maxAttempts: maxAttempts() }));
/** DynamoDB's control plane (tables to back up, backups, exports); the state table uses dynamoDocClient. */
export const dynamoClient = perRegion(
  'DYNAMODB',
  (region) => new DynamoDBClient({ region, maxAttempts: maxAttempts() }),
);
/** DynamoDB CreateBackup: names are not unique, so, as for EBS, the SDK must not retry it. */
export const dynamoCreateClient = perRegion('DYNAMODB', (region) => new DynamoDBClient({ region, maxAttempts: 1 }));
export const dynamoDocClient = perRegion('DYNAMODB', (region) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: maxAttempts() }), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
