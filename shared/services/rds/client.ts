/** RDS's SDK client, one per region and endpoint (made by the shared factory, shared/lambda/clients.ts). */
import { RDSClient } from '@aws-sdk/client-rds';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const rdsClient = perRegion('RDS', (region) => new RDSClient({ region, maxAttempts: maxAttempts() }));

/** Every RDS client a driver's Create* call may go through (the sandbox's crash injection follows them). */
export const rdsCreatingClients = (region: string): readonly RDSClient[] => [rdsClient(region)];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const rdsClientClasses: readonly SdkClientClass[] = [RDSClient];
