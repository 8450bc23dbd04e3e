/** Redshift's SDK client, one per region and endpoint (made by the shared factory, shared/lambda/clients.ts). */
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const redshiftClient = perRegion(
  'REDSHIFT',
  (region) => new RedshiftClient({ region, maxAttempts: maxAttempts() }),
);

/** Every Redshift client a driver's Create* call may go through (the sandbox's crash injection follows them). */
export const redshiftCreatingClients = (region: string): readonly RedshiftClient[] => [redshiftClient(region)];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const redshiftClientClasses: readonly SdkClientClass[] = [RedshiftClient];
