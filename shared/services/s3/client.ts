/**
 * S3's SDK clients for buckets backed up (their tags, versioning and replication) and S3 Control's for
 * the Batch Operations jobs a run starts, one per region and endpoint, made by the shared factory
 * (shared/lambda/clients.ts). The stack's own bucket client (item lists, results) stays there.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const bucketClient = perRegion(
  'S3',
  (region) =>
    new S3Client({
      region,
      maxAttempts: maxAttempts(),
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    }),
);
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
