/** RDS's SDK client, one per region and endpoint (made by the shared factory, shared/lambda/clients.ts). */
import { RDSClient } from '@aws-sdk/client-rds';
import { maxAttempts, perRegion } from '../../lambda/clients';

export const rdsClient = perRegion('RDS', (region) => new RDSClient({ region, maxAttempts: maxAttempts() }));
