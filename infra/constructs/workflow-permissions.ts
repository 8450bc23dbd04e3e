/**
 * What the workflow itself needs, whatever the resource type: Plan checks each copy target (the
 * region is enabled, the key exists: shared/workflow/copies/copy-targets.ts); Start copies lets EC2 and RDS
 * use the destination region's key while they copy; Start restore and Check restore let them use the
 * key of what they restore (a DR-region copy is always under the copyTo key; a source may be under its
 * own customer managed key): EBS CreateVolume and RunInstances, RDS RestoreDBInstanceFromDBSnapshot and
 * RestoreDBClusterFromSnapshot, and CreateDBInstance of an encrypted cluster's writer ("Requirements for
 * Amazon EBS encryption"; RDS the same), and DynamoDB RestoreTableFromBackup and ImportTable of a table
 * under its own key, which also encrypt and generate data keys ("How Amazon DynamoDB uses AWS KMS": the
 * key policy's Encrypt and GenerateDataKey*, through DynamoDB only). EC2 and RDS call no kms:Encrypt. The
 * services' own permissions are in shared/services/<service>/permissions.ts.
 */

import { backupStateMachineName } from '../../shared/names';
import { SERVICES, type ServiceCatalog } from '../../shared/services/catalog';
import type { Grant, PermissionSet } from '../../shared/services/permission-set';
import { ACCOUNT, PARTITION, REGION, STACK_NAME } from '../../shared/services/permission-set';

const KEYS = `arn:${PARTITION}:kms:*:${ACCOUNT}:key/*`;
const ALIASES = `arn:${PARTITION}:kms:*:${ACCOUNT}:alias/*`;
/**
 * Key use only through the AWS services that use a key for the caller in that step, as each service's
 * catalog declares it (`keyUse`), in catalog order.
 */
function via(step: keyof NonNullable<ServiceCatalog['keyUse']>): { 'kms:ViaService': string[] } {
  const services = SERVICES.filter((s) => (s as ServiceCatalog).keyUse?.[step]).map((s) => s.service);
  return { 'kms:ViaService': services.map((service) => `${service}.*.amazonaws.com`) };
}
const VIA_COPYING = via('copies');
const VIA_RESTORING = via('restores');
const VIA_RESTORE_CHECKS = via('restoreChecks');
const VIA_ENCRYPTING = via('encrypts');

/**
 * What EC2 or RDS does with a customer managed key for the caller, allowed only through those services:
 * use it, and create the grant the service keeps for the resource (never one the function could hand to
 * a principal: kms:GrantIsForAWSResource).
 */
function keyUseVia(via: Record<string, readonly string[]>): Grant[] {
  return [
    {
      actions: [
        'kms:DescribeKey',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKeyWithoutPlaintext',
      ],
      resources: [KEYS],
      conditions: { StringLike: via },
    },
    {
      actions: ['kms:CreateGrant'],
      resources: [KEYS],
      conditions: { StringLike: via, Bool: { 'kms:GrantIsForAWSResource': true } },
    },
  ];
}
/**
 * The backup state machine's own executions, from its known name (the stack names it `<stack>-backup`):
 * an ARN built from the function's role to the machine would be a circular dependency (the machine
 * references the functions). `:` then the execution name: not its Distributed Map children (`/`).
 */
const BACKUP_EXECUTIONS = `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:execution:${backupStateMachineName(STACK_NAME)}:*`;

/**
 * What the workflow needs in the account whose resources it backs up: the central stack's functions hold
 * it, and so does each member account's role (../stacks/member-stack.ts), where the copy regions and keys
 * are the member's.
 */
export const WORKFLOW_ACCOUNT_PERMISSIONS: PermissionSet = {
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
    grants: keyUseVia(VIA_COPYING),
    wildcards: {
      [KEYS]: 'The copy keys are chosen per run (copyTo); use is limited to EC2 and RDS via kms:ViaService.',
    },
  },
  'start-restore': {
    grants: [
      ...keyUseVia(VIA_RESTORING),
      // DynamoDB encrypts the new table's key under the table's KMS key (its key policy's Encrypt and
      // GenerateDataKey*); EC2 and RDS do not, so these go through DynamoDB only.
      {
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [KEYS],
        conditions: { StringLike: VIA_ENCRYPTING },
      },
    ],
    wildcards: {
      [KEYS]:
        'A restore uses the key its backup is under (the copyTo key in a DR region, a source key at home, a table its own); use is limited to EC2, RDS and DynamoDB via kms:ViaService.',
    },
  },
  'check-restore': {
    grants: keyUseVia(VIA_RESTORE_CHECKS),
    wildcards: {
      [KEYS]:
        "An Aurora restore's writer (CreateDBInstance) is under its cluster's key, chosen by the backup; use is limited to RDS via kms:ViaService.",
    },
  },
};

/** What the workflow needs of the pipeline's own account only: its state machine's executions. */
const WORKFLOW_PIPELINE_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [{ actions: ['states:DescribeExecution'], resources: [BACKUP_EXECUTIONS] }],
    wildcards: {
      [BACKUP_EXECUTIONS]: 'Plan asks whether the run holding its tier lock still runs; executions are named at start.',
    },
  },
};

/** Everything the workflow needs, as the central stack's functions hold it: each holder's grants in that order. */
export const WORKFLOW_PERMISSIONS: PermissionSet = mergePermissionSets(
  WORKFLOW_ACCOUNT_PERMISSIONS,
  WORKFLOW_PIPELINE_PERMISSIONS,
);

/** Two sets as one: each holder's grants concatenated, in order, and its wildcard reasons together. */
function mergePermissionSets(first: PermissionSet, second: PermissionSet): PermissionSet {
  const holders = [...new Set([...Object.keys(first), ...Object.keys(second)])] as (keyof PermissionSet)[];
  return Object.fromEntries(
    holders.map((holder) => {
      const [a, b] = [first[holder], second[holder]];
      return [
        holder,
        {
          grants: [...(a?.grants ?? []), ...(b?.grants ?? [])],
          ...(a?.wildcards || b?.wildcards ? { wildcards: { ...a?.wildcards, ...b?.wildcards } } : {}),
        },
      ];
    }),
  );
}
