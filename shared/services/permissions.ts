/**
 * Every service's permissions, one line each (keyed by the service's IAM prefix), for
 * infra/constructs/permissions.ts to apply. A new service adds its ./<service>/permissions.ts here.
 */
import { DYNAMODB_PERMISSIONS } from './dynamodb/permissions';
import { EC2_PERMISSIONS } from './ec2/permissions';
import type { PermissionSet } from './permission-set';
import { RDS_PERMISSIONS } from './rds/permissions';

export const SERVICE_PERMISSIONS: Readonly<Record<string, PermissionSet>> = {
  ec2: EC2_PERMISSIONS,
  rds: RDS_PERMISSIONS,
  dynamodb: DYNAMODB_PERMISSIONS,
};
