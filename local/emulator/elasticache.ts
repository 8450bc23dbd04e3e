/**
 * ElastiCache on the emulator (awsQuery): replication groups, their nodes and Memcached clusters, manual
 * snapshots, tags and restores, answered by the AWS model in the caller's region. `Tags.Tag.N`,
 * `MaxRecords`/`Marker` and the result shapes come from the SDK's schemas in ./query.ts; fault statuses
 * (404 for *NotFound) from ElastiCache's own error model.
 */
import * as elasticache from '@aws-sdk/client-elasticache';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const ELASTICACHE_NAMESPACE = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export function elasticacheActions(model: AwsModel): Record<string, ActionHandler> {
  return {
    DescribeReplicationGroups: (region, input) => model.describeReplicationGroups(region, input),
    DescribeCacheClusters: (region, input) => model.describeCacheClusters(region, input),
    ListTagsForResource: (region, input) => model.listCacheTagsForResource(region, input),
    DescribeSnapshots: (region, input) => model.describeCacheSnapshots(region, input),
    CreateSnapshot: (region, input) => model.createCacheSnapshot(region, input),
    DeleteSnapshot: (region, input) => model.deleteCacheSnapshot(region, input),
    // Restores (local/model/elasticache-restore.ts).
    CreateReplicationGroup: (region, input) => model.createReplicationGroup(region, input),
    DeleteReplicationGroup: (region, input) => model.deleteReplicationGroup(region, input),
  };
}

export function elasticacheService(model: AwsModel): ServiceHandler {
  return queryService({
    dialect: 'awsQuery',
    namespace: ELASTICACHE_NAMESPACE,
    sdk: elasticache,
    actions: elasticacheActions(model),
  });
}
