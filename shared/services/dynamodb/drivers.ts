/** DynamoDB's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import { dynamoTableDriver } from './dynamodb-table';

export const dynamodbDrivers: readonly ResourceDriver[] = [dynamoTableDriver];
