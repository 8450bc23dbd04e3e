/**
 * ElastiCache's SDK client, one per region and endpoint, made by the shared factory (shared/lambda/clients.ts).
 * Its creates are keyed by name (a snapshot's, a replication group's): a retry after a lost answer is
 * refused as "already exists" and the driver adopts what it finds, so the SDK may retry them.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const elasticacheClient = perRegion(
  'ELASTICACHE',
  (region) => new ElastiCacheClient({ region, maxAttempts: maxAttempts() }),
);

/** The clients the sandbox's crash injection follows: none yet (following them would change what a seeded --crash-rate run does). */
export const elasticacheCreatingClients = (_region: string): readonly ElastiCacheClient[] => [];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const elasticacheClientClasses: readonly SdkClientClass[] = [ElastiCacheClient];
