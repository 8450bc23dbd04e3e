/**
 * AWS SDK clients, created once per region at module scope and reused across invocations.
 * Tests mock them with aws-sdk-client-mock; the local sandbox redirects them with AWS_ENDPOINT_URL*.
 * Retries here are the SDK's own (standard mode, AWS_MAX_ATTEMPTS or 3); throttling that outlasts them
 * becomes ThrottledError (retried by the ASL, or call by call in long series: shared/throttle-retry.ts).
 * The clients of the services backed up live with their service (shared/services/<service>/client.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigurationError } from '../errors';
import { DEPLOYED_SDK_MAX_ATTEMPTS } from './function-env';
import { tracer } from './powertools';

export { DEPLOYED_SDK_MAX_ATTEMPTS };

/**
 * One client per region and endpoint. In Lambda the endpoint never changes; the local sandbox points
 * AWS_ENDPOINT_URL* at a fresh emulator per run, and a client must follow it. Every SDK client is made
 * through it, the services' own too (shared/services/<service>/client.ts).
 * Every client is captured for X-Ray here, where all of them are made, so every SDK call shows in the
 * trace (outside Lambda there is no tracer: shared/lambda/powertools.ts).
 */
export function perRegion<T>(service: string, create: (region: string) => T): (region?: string) => T {
  const cache = new Map<string, T>();
  return (region = defaultRegion()) => {
    const key = `${region}|${process.env.AWS_ENDPOINT_URL ?? ''}|${process.env[`AWS_ENDPOINT_URL_${service}`] ?? ''}`;
    let client = cache.get(key);
    if (!client) {
      client = create(region);
      // A document client shares its client's middleware stack, so capturing either traces both.
      tracer?.captureAWSv3Client(client);
      cache.set(key, client);
    }
    return client;
  };
}

/** The SDK's own retries (read when a client is made; unit tests set 1 to count calls exactly). */
export function maxAttempts(): number {
  return Number(process.env.AWS_MAX_ATTEMPTS ?? DEPLOYED_SDK_MAX_ATTEMPTS);
}

export function defaultRegion(): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigurationError('AWS_REGION is not set');
  return region;
}

export const eventsClient = perRegion(
  'EVENTBRIDGE',
  (region) => new EventBridgeClient({ region, maxAttempts: maxAttempts() }),
);
/** KMS is only asked at Plan: does each copy region's key exist (DescribeKey)? */
export const kmsClient = perRegion('KMS', (region) => new KMSClient({ region, maxAttempts: maxAttempts() }));
/** Step Functions, asked only at Plan: does the run holding the tier's lock still run (DescribeExecution)? */
export const sfnClient = perRegion('SFN', (region) => new SFNClient({ region, maxAttempts: maxAttempts() }));
export const snsClient = perRegion('SNS', (region) => new SNSClient({ region, maxAttempts: maxAttempts() }));
/** The state table (the services' own DynamoDB clients are in shared/services/dynamodb/client.ts). */
export const dynamoDocClient = perRegion('DYNAMODB', (region) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: maxAttempts() }), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
/**
 * The stack's bucket: Plan writes the run's item list there (the Map reads it with ItemReader). Path-style
 * when an endpoint is set: a local or S3-compatible endpoint has no bucket subdomains.
 */
export const s3Client = perRegion(
  'S3',
  (region) =>
    new S3Client({
      region,
      maxAttempts: maxAttempts(),
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    }),
);
/** Lambda, asked only by a drill's validation: the validation function the drill configuration names. */
export const lambdaClient = perRegion('LAMBDA', (region) => new LambdaClient({ region, maxAttempts: maxAttempts() }));
