/**
 * AWS SDK clients, created once per region at module scope and reused across invocations.
 * Tests mock them with aws-sdk-client-mock; the local sandbox redirects them with AWS_ENDPOINT_URL*.
 * Retries here are the SDK's own (adaptive mode); throttling that outlasts them becomes ThrottledError.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const MAX_ATTEMPTS = Number(process.env.AWS_MAX_ATTEMPTS ?? 3);

function perRegion<T>(create: (region: string) => T): (region?: string) => T {
  const cache = new Map<string, T>();
  return (region = defaultRegion()) => {
    let client = cache.get(region);
    if (!client) {
      client = create(region);
      cache.set(region, client);
    }
    return client;
  };
}

export function defaultRegion(): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  return region;
}

export const ec2Client = perRegion((region) => new EC2Client({ region, maxAttempts: MAX_ATTEMPTS }));
export const rdsClient = perRegion((region) => new RDSClient({ region, maxAttempts: MAX_ATTEMPTS }));
export const snsClient = perRegion((region) => new SNSClient({ region, maxAttempts: MAX_ATTEMPTS }));
export const dynamoDocClient = perRegion((region) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: MAX_ATTEMPTS }), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
