/**
 * RDS on the emulator (awsQuery): DB instances, Aurora clusters and their manual snapshots, answered by the AWS model in
 * the caller's region. `Tags.Tag.N.Key`, `MaxRecords`/`Marker` and `<DBInstances><DBInstance>` come
 * from the SDK's schemas in ./query.ts; fault statuses (404 for *NotFound) from RDS's own error model.
 */
import * as rds from '@aws-sdk/client-rds';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const RDS_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export function rdsActions(model: AwsModel): Record<string, ActionHandler> {
  return {
    DescribeDBInstances: (region, input) => model.describeDBInstances(region, input),
    DescribeDBSnapshots: (region, input) => model.describeDBSnapshots(region, input),
    CreateDBSnapshot: (region, input) => model.createDBSnapshot(region, input),
    DeleteDBSnapshot: (region, input) => model.deleteDBSnapshot(region, input),
    DescribeDBClusters: (region, input) => model.describeDBClusters(region, input),
    DescribeDBClusterSnapshots: (region, input) => model.describeDBClusterSnapshots(region, input),
    CreateDBClusterSnapshot: (region, input) => model.createDBClusterSnapshot(region, input),
    DeleteDBClusterSnapshot: (region, input) => model.deleteDBClusterSnapshot(region, input),
    // A cross-region copy arrives with the SDK's PreSignedUrl: accepted and ignored (the ARN names the source).
    CopyDBSnapshot: (region, input) => model.copyDBSnapshot(region, input),
    CopyDBClusterSnapshot: (region, input) => model.copyDBClusterSnapshot(region, input),
    // The region's quotas and their use: Plan's look at the manual-snapshot quotas before any create.
    DescribeAccountAttributes: (region) => model.describeRdsAccountAttributes(region),
    // Restores (local/model/rds-restore.ts, rds-aurora-restore.ts) and where they go (rds-subnet-groups.ts).
    DescribeDBSubnetGroups: (region, input) => model.describeDBSubnetGroups(region, input),
    RestoreDBInstanceFromDBSnapshot: (region, input) => model.restoreDBInstanceFromDBSnapshot(region, input),
    CreateDBInstance: (region, input) => model.createDBInstance(region, input),
    DeleteDBInstance: (region, input) => model.deleteDBInstance(region, input),
    RestoreDBClusterFromSnapshot: (region, input) => model.restoreDBClusterFromSnapshot(region, input),
    DeleteDBCluster: (region, input) => model.deleteDBCluster(region, input),
  };
}

export function rdsService(model: AwsModel): ServiceHandler {
  return queryService({
    dialect: 'awsQuery',
    namespace: RDS_NAMESPACE,
    sdk: rds,
    actions: rdsActions(model),
  });
}
