/**
 * What the workflow itself needs, whatever the resource type: Plan checks each copy target (the
 * region is enabled, the key exists: shared/workflow/copy-targets.ts), and Start copies lets EC2 and
 * RDS use the destination region's key while they copy (no kms:Encrypt: neither calls it). The
 * services' own permissions are in shared/services/<service>/permissions.ts.
 */
import type { PermissionSet } from '../../shared/services/permission-set';
import { ACCOUNT, PARTITION } from '../../shared/services/permission-set';

const KEYS = `arn:${PARTITION}:kms:*:${ACCOUNT}:key/*`;
const ALIASES = `arn:${PARTITION}:kms:*:${ACCOUNT}:alias/*`;
/** Key use only through the AWS service doing the copy. */
const VIA_EC2_OR_RDS = { 'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'] };

export const WORKFLOW_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      { actions: ['ec2:DescribeRegions'], resources: ['*'] },
      { actions: ['kms:DescribeKey'], resources: [KEYS, ALIASES] },
    ],
    wildcards: {
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
