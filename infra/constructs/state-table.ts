/**
 * The state table (DESIGN §4): one item per run and per resource of a run, a TTL, and the byStartedAt
 * index that lists runs. Stateful: kept when the stack is deleted, and its logical ID must never
 * change (tests/infra/logical-ids.test.ts), or a deploy would replace it and lose every run record.
 * Also the data of who may do what on it, applied with every other permission in ./permissions.ts.
 *
 * With `recovery` configured (shared/config.ts) it is a global table with a replica in each recovery
 * region, point-in-time recoverable like the primary and under the same AWS managed key: the recovery
 * stack's restore Lambdas read and write the replica in their own region, under the same table name.
 * Without it the template is exactly what deployed stacks have (no replica, no stream).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { FUNCTION_NAMES, type FunctionName, type ScheduledFunctionName } from '../../shared/lambda/function-env';
import type { PermissionSet, RolePermissions } from '../../shared/services/permission-set';

/** The index check-freshness and the CLI list runs by. */
export const RUNS_BY_START_INDEX = 'byStartedAt';

/**
 * State-table actions per function: exactly the StateStore methods each handler reaches
 * (createRun/addResource = PutItem, getRun/getResource = GetItem, listResources = Query on the table,
 * every other write = UpdateItem; listRuns queries the byStartedAt index and is granted on it).
 * tests/infra/iam-matches-handler-calls.test.ts runs the real handlers and fails if these drift.
 */
const TABLE_ACTIONS: Record<FunctionName, string[]> = {
  // GetItem: a tier's run lock, when the conditional PutItem that takes it finds it held.
  'plan-run': ['dynamodb:PutItem', 'dynamodb:GetItem'],
  'start-backup': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'check-backup': ['dynamodb:UpdateItem'],
  // GetItem: a retry reads the copies and keyless copy calls an earlier attempt recorded.
  'start-copies': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'check-copies': ['dynamodb:UpdateItem'],
  // PutItem: the restore point and its backup-id index items (shared/state/restore-points.ts).
  'record-result': ['dynamodb:UpdateItem', 'dynamodb:PutItem'],
  // PutItem: the restore point of a backup that completed but whose copy failed.
  'record-failure': ['dynamodb:UpdateItem', 'dynamodb:PutItem'],
  'summarize-run': ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
  notify: ['dynamodb:Query', 'dynamodb:GetItem'],
  // Query: the run's resources name the regions retention lists.
  'list-retention-units': ['dynamodb:Query'],
  // Query: a run's recorded members; PutItem/GetItem: the delete queue and the pass's record;
  // GetItem/UpdateItem/DeleteItem: a deleted backup's restore point (found by its id index, noted,
  // removed with its index items once its last backup is gone).
  'apply-retention': [
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  // The run lock, deleted on condition that this run holds it.
  // The restore workflow: points read by Plan, the restore record written by each step.
  'plan-restore': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
  'start-restore': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'check-restore': ['dynamodb:UpdateItem'],
  'clean-up-restore': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'validate-restore': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'finish-restore': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'notify-restores': ['dynamodb:GetItem'],
  'release-run-lock': ['dynamodb:DeleteItem'],
  'summarize-retention': ['dynamodb:Query', 'dynamodb:UpdateItem'],
};

export interface StateTableProps {
  /** A replica in each (recovery regions); CDK refuses replicas unless the stack names its region. */
  replicaRegions?: readonly string[];
}

/**
 * Each function's access to a state table at `table` (the primary's ARN, or a replica's in a recovery
 * region: the recovery stack's functions are granted the same actions on it), and the freshness check's.
 */
export function stateTablePermissions(table: string): PermissionSet<FunctionName | ScheduledFunctionName> {
  const onTable = (actions: string[]): RolePermissions => ({ grants: [{ actions, resources: [table] }] });
  return {
    ...Object.fromEntries(FUNCTION_NAMES.map((name) => [name, onTable(TABLE_ACTIONS[name])])),
    'check-freshness': {
      grants: [
        { actions: ['dynamodb:Query'], resources: [`${table}/index/${RUNS_BY_START_INDEX}`] },
        // The resource items of each tier's recent runs and the tier's latest points.
        { actions: ['dynamodb:Query'], resources: [table] },
        // The table's creation time is the deploy a tier that never ran is measured from.
        { actions: ['dynamodb:DescribeTable'], resources: [table] },
      ],
    },
  };
}

export class StateTable extends TableV2 {
  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    const replicaRegions = props.replicaRegions ?? [];
    super(scope, id, {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS managed key: encrypted at rest with key use visible in CloudTrail, no key to administer.
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'ttl',
      globalSecondaryIndexes: [
        {
          indexName: RUNS_BY_START_INDEX,
          partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
          sortKey: { name: 'startedAt', type: AttributeType.STRING },
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
      // Absent, not empty, without recovery: the template stays the one deployed stacks have.
      ...(replicaRegions.length > 0
        ? {
            replicas: replicaRegions.map((region) => ({
              region,
              // A replica's point-in-time recovery is its own setting ("Point-in-time recovery for DynamoDB").
              pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
            })),
          }
        : {}),
    });
  }

  /** Each function's access to the table, and the freshness check's. */
  permissions(): PermissionSet<FunctionName | ScheduledFunctionName> {
    return stateTablePermissions(this.tableArn);
  }
}
