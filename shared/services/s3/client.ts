/**
 * S3's SDK clients for buckets backed up (their tags, versioning and replication), the same one the stack
 * uses for its own bucket, and S3 Control's for the Batch Operations jobs a run starts, one per region and
 * endpoint, made by the shared factory (shared/lambda/clients.ts).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { maxAttempts, perRegion, s3Client } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

/** The buckets backed up: the stack's one S3 client (shared/lambda/clients.ts), path-style with an endpoint. */
export const bucketClient = s3Client;
/** S3 Control: CreateJob carries a ClientRequestToken, so the SDK's retries never make a second job. */
export const s3ControlClient = perRegion('S3_CONTROL', (region) => {
  // S3 Control puts the account id in the host (`<account>.s3-control...`), which an endpoint given as
  // an IP address (the local sandbox) cannot take: there, the endpoint is used as it is.
  const endpoint = process.env.AWS_ENDPOINT_URL_S3_CONTROL ?? process.env.AWS_ENDPOINT_URL;
  return new S3ControlClient({
    region,
    maxAttempts: maxAttempts(),
    ...(endpoint ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}),
  });
});

/** The clients a create goes through (the sandbox's crash injection follows them). */
export const s3CreatingClients = (region: string): readonly { readonly middlewareStack: object }[] => [
  bucketClient(region),
  s3ControlClient(region),
];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const s3ClientClasses: readonly SdkClientClass[] = [S3Client, S3ControlClient];
