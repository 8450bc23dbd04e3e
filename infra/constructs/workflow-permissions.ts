/**
 * What the workflow itself needs, whatever the resource type: Plan checks each copy target (the
 * region is enabled, the key exists: shared/workflow/copy-targets.ts), and Start copies lets EC2 and
 * RDS use the destination region's key while they copy (no kms:Encrypt: neither calls it). The
 * services' own permissions are in shared/services/<service>/permissions.ts.
 */

import { backupStateMachineName } from '../../shared/names';
import type { PermissionSet } from '../../shared/services/permission-set';
import { ACCOUNT, PARTITION, REGION, STACK_NAME } from '../../shared/services/permission-set';

const KEYS = `arn:${PARTITION}:kms:*:${ACCOUNT}:key/*`;
const ALIASES = `arn:${PARTITION}:kms:*:${ACCOUNT}:alias/*`;
/** Key use only through the AWS service doing the copy. */
const VIA_EC2_OR_RDS = { 'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'] };
/**
 * The backup state machine's own executions, from its known name (the stack names it `<stack>-backup`):
 * an ARN built from the function's role to the machine would be a circular dependency (the machine
 * references the functions). `:` then the execution name: not its Distributed Map children (`/`).
 */
const BACKUP_EXECUTIONS = `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:execution:${backupStateMachineName(STACK_NAME)}:*`;

export const WORKFLOW_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      { actions: ['ec2:DescribeRegions'], resources: ['*'] },
      { actions: ['kms:DescribeKey'], resources: [KEYS, ALIASES] },
      { actions: ['states:DescribeExecution'], resources: [BACKUP_EXECUTIONS] },
    ],
    wildcards: {
      [BACKUP_EXECUTIONS]: 'Plan asks whether the run holding its tier lock still runs; executions are named at start.',
      [KEYS]: 'Plan checks that each copy region key named in the input exists (DescribeKey only).',
      [ALIASES]: 'Copy keys may be named by alias; DescribeKey resolves it.',
    },
  },
  'start-copies': {
    grants: [
      {
        actions: [
          'kms:DescribeKey',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKeyWithoutPlaintext',
        ],
        resources: [KEYS],
        conditions: { StringLike: VIA_EC2_OR_RDS },
      },
      // A grant only for the AWS service doing the copy, never one the function could hand to a principal.
      {
        actions: ['kms:CreateGrant'],
        resources: [KEYS],
        conditions: { StringLike: VIA_EC2_OR_RDS, Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    ],
    wildcards: {
      [KEYS]: 'The copy keys are chosen per run (copyTo); use is limited to EC2 and RDS via kms:ViaService.',
    },
  },
};
