/** EC2's SDK clients, one per region and endpoint (made by the shared factory, shared/lambda/clients.ts). */
import { EC2Client } from '@aws-sdk/client-ec2';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const ec2Client = perRegion('EC2', (region) => new EC2Client({ region, maxAttempts: maxAttempts() }));
/**
 * For creates that have no idempotency key (EBS CreateSnapshot/CreateSnapshots, CopySnapshot): the SDK
 * must not retry them, because a retry after a create that succeeded (its answer lost to a 5xx or a
 * broken connection) makes a second backup. A failure goes to the workflow's Retry, whose next attempt
 * looks for what the first may have made before creating (shared/workflow/backup/backup-start.ts).
 */
export const ec2CreateClient = perRegion('EC2', (region) => new EC2Client({ region, maxAttempts: 1 }));

/** Every EC2 client a driver's Create* call may go through (the sandbox's crash injection follows them). */
export const ec2CreatingClients = (region: string): readonly EC2Client[] => [
  ec2Client(region),
  ec2CreateClient(region),
];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const ec2ClientClasses: readonly SdkClientClass[] = [EC2Client];
