/**
 * ElastiCache's part of the sandbox's estates (./estate-seeds.ts): the demo's replication groups, a
 * Redis OSS group with a read replica (snapshotted from the replica) and a Valkey group in cluster mode
 * (snapshotted at group level), and a tagged Memcached cluster, which discovery reports as not backed up
 * with the reason. Their snapshot times are given, so seeding draws nothing from the PRNG.
 */
import type { Tag } from './core';
import type { TypeSeeds } from './estate-seeds';

/** The model's operations ElastiCache's seeds call (the facade answers them). */
export interface ElastiCacheSeedOps {
  addReplicationGroup(
    region: string,
    g: {
      ReplicationGroupId: string;
      Engine?: 'redis' | 'valkey';
      ClusterEnabled?: boolean;
      shards?: number;
      replicas?: number;
      snapshotSeconds?: number;
      Tags?: Tag[];
    },
  ): { ReplicationGroupId: string };
  addMemcachedCluster(region: string, c: { CacheClusterId: string; Tags?: Tag[] }): { CacheClusterId: string };
}

export const ELASTICACHE_ESTATE_SEEDS: readonly TypeSeeds<ElastiCacheSeedOps>[] = [
  {
    type: 'elasticache-replication-group',
    demo: {
      tagged: (model, region, tags) => {
        // Tagged for backup, and reported SKIPPED: node-based Memcached has no snapshots.
        model.addMemcachedCluster(region, { CacheClusterId: 'page-cache', Tags: tags('page-cache') });
        return [
          model.addReplicationGroup(region, {
            ReplicationGroupId: 'sessions-cache',
            replicas: 1,
            snapshotSeconds: 240,
            Tags: tags('sessions-cache'),
          }),
          model.addReplicationGroup(region, {
            ReplicationGroupId: 'leaderboard',
            Engine: 'valkey',
            ClusterEnabled: true,
            shards: 2,
            replicas: 1,
            snapshotSeconds: 420,
            Tags: tags('leaderboard'),
          }),
        ].map((g) => g.ReplicationGroupId);
      },
      untagged: (model, region, tags) => [
        model.addReplicationGroup(region, {
          ReplicationGroupId: 'scratch-redis',
          replicas: 0,
          snapshotSeconds: 120,
          Tags: tags('scratch-redis'),
        }).ReplicationGroupId,
      ],
    },
  },
];
