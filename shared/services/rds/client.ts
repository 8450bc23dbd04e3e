/** RDS's SDK client, one per region and endpoint (made by the shared factory, shared/lambda/clients.ts). */
import { RDSClient } from '@aws-sdk/client-rds';
import { maxAttempts, perRegion } from '../../lambda/clients';

export const rdsClient = perRegion('RDS', (region) => new RDSClient({ region, maxAttempts: maxAttempts() }));

/** Every RDS client a driver's Create* call may go through (the sandbox's crash injection follows them). */
export const rdsCreatingClients = (region: string): readonly RDSClient[] => [rdsClient(region)];
