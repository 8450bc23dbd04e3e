/**
 * DynamoDB's control-plane SDK clients (tables to back up, backups, exports), one per region and
 * endpoint, made by the shared factory (shared/lambda/clients.ts); the state table's document client
 * stays there.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { maxAttempts, perRegion } from '../../lambda/clients';
import type { SdkClientClass } from '../driver';

export const dynamoClient = perRegion(
  'DYNAMODB',
  (region) => new DynamoDBClient({ region, maxAttempts: maxAttempts() }),
);
/** DynamoDB CreateBackup: names are not unique, so, as for EBS, the SDK must not retry it. */
export const dynamoCreateClient = perRegion('DYNAMODB', (region) => new DynamoDBClient({ region, maxAttempts: 1 }));

/**
 * The DynamoDB clients the sandbox's crash injection follows: none, as before the services declared
 * them (following CreateBackup too would change what a seeded sandbox run with --crash-rate does).
 */
export const dynamodbCreatingClients = (_region: string): readonly DynamoDBClient[] => [];

/** The SDK client classes this service's calls go through (the IAM test observes each one's calls). */
export const dynamodbClientClasses: readonly SdkClientClass[] = [DynamoDBClient];
