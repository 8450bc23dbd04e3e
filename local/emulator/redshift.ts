/**
 * Redshift on the emulator (awsQuery, like RDS): provisioned clusters, their manual snapshots, tags,
 * cross-region snapshot copy and restores, answered by the AWS model in the caller's region. The wire
 * shapes (`Tags.Tag.N.Key`, `<Clusters><Cluster>`, `MaxRecords`/`Marker`) come from the SDK's schemas
 * in ./query.ts; fault statuses (404 for ClusterNotFound) from Redshift's own error model.
 */
import * as redshift from '@aws-sdk/client-redshift';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const REDSHIFT_NAMESPACE = 'http://redshift.amazonaws.com/doc/2012-12-01/';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export function redshiftActions(model: AwsModel): Record<string, ActionHandler> {
  return {
    DescribeClusters: (region, input) => model.describeClusters(region, input),
    DescribeClusterSnapshots: (region, input) => model.describeClusterSnapshots(region, input),
    CreateClusterSnapshot: (region, input) => model.createClusterSnapshot(region, input),
    DeleteClusterSnapshot: (region, input) => model.deleteClusterSnapshot(region, input),
    CreateTags: (region, input) => model.createRedshiftTags(region, input),
    // What operators (or the demo estate) set up for the copies to the DR region.
    CreateSnapshotCopyGrant: (region, input) => model.createSnapshotCopyGrant(region, input),
    EnableSnapshotCopy: (region, input) => model.enableSnapshotCopy(region, input),
    // Restores (local/model/redshift-restore.ts).
    RestoreFromClusterSnapshot: (region, input) => model.restoreFromClusterSnapshot(region, input),
    DeleteCluster: (region, input) => model.deleteCluster(region, input),
  };
}

export function redshiftService(model: AwsModel): ServiceHandler {
  return queryService({
    dialect: 'awsQuery',
    namespace: REDSHIFT_NAMESPACE,
    sdk: redshift,
    actions: redshiftActions(model),
  });
}
