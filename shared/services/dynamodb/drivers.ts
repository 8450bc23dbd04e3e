/** DynamoDB's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { dynamoTableDriver } from './dynamodb-table';
import { dynamodbImportRestore } from './table-import';
import { dynamodbBackupRestore } from './table-restore';

export const dynamodbDrivers: readonly ResourceDriver[] = [dynamoTableDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const dynamodbRestoreDrivers: readonly RestoreDriver[] = [dynamodbBackupRestore, dynamodbImportRestore];
