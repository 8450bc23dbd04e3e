/**
 * The role S3 replicates the backed-up buckets with and S3 Batch Operations runs the pipeline's jobs
 * with (Batch Replication at backup, the Copy job at restore). The drivers name it by
 * shared/names.ts s3ReplicationRoleName and the Lambdas pass it (iam:PassRole on that ARN), so the
 * stack gives it exactly that name. Trusted by the two service principals, each only on behalf of this
 * account (aws:SourceAccount: "The confused deputy problem", IAM User Guide). Its permissions are data
 * (shared/services/s3/permissions.ts), applied and acknowledged like every other role's.
 */
import { Aws, type Stack } from 'aws-cdk-lib';
import { CompositePrincipal, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { s3ReplicationRoleName } from '../../shared/names';
import { S3_REPLICATION_ROLE_PERMISSIONS, S3_REPLICATION_ROLE_PRINCIPALS } from '../../shared/services/s3/permissions';
import { grantPermissionSets } from './permissions';

export function createS3ReplicationRole(stack: Stack, stackName: string, fill: (template: string) => string): Role {
  const role = new Role(stack, 'S3ReplicationRole', {
    roleName: s3ReplicationRoleName(stackName),
    description: 'backup-pipeline: S3 replication into the backup buckets, Batch Replication and restore copy jobs',
    assumedBy: new CompositePrincipal(
      ...S3_REPLICATION_ROLE_PRINCIPALS.map(
        (service) =>
          new ServicePrincipal(service, { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      ),
    ),
  });
  grantPermissionSets(stack, [S3_REPLICATION_ROLE_PERMISSIONS], fill, () => role, new Map());
  return role;
}
