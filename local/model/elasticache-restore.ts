/**
 * ElastiCache restores in the model: CreateReplicationGroup seeded from a snapshot (SnapshotName) makes a
 * NEW group, `creating` for a while, then `available`; DeleteReplicationGroup takes it away. AWS's rules
 * (docs/aws-behaviour.md, ElastiCache): the id's form (1 to 40 letters, digits, hyphens; a letter first;
 * no `--`, no trailing hyphen; stored in lower case), unique in the region (ReplicationGroupAlreadyExists),
 * a description required, the snapshot existing (SnapshotNotFoundFault) and `available`
 * (InvalidSnapshotState), the node type and engine the snapshot's (a smaller node type than the data
 * needs is refused: strict, the model refuses any other), the cache subnet group existing
 * (CacheSubnetGroupNotFoundFault), and a group that is not `available` refusing its deletion
 * (InvalidReplicationGroupState).
 */
import { AwsApiError, type ModelCore, RegionalBackend, type Tag } from './core';
import { ELASTICACHE_API, type ElastiCacheBackend, type ElastiCacheRegionState } from './elasticache';
import { GONE } from './lifecycle';
import { defineModelService } from './registry';

/** Seconds a restored group takes to create, and to delete (fixed: draws nothing from the PRNG). */
export const CACHE_RESTORE_SECONDS = 900;
export const CACHE_DELETE_SECONDS = 300;

export class ElastiCacheRestoreBackend extends RegionalBackend<ElastiCacheRegionState> {
  constructor(
    core: ModelCore,
    private readonly cache: ElastiCacheBackend,
  ) {
    super(core, cache.store);
  }

  createReplicationGroup(
    region: string,
    input: {
      ReplicationGroupId?: string;
      ReplicationGroupDescription?: string;
      SnapshotName?: string;
      Engine?: string;
      EngineVersion?: string;
      CacheNodeType?: string;
      NumCacheClusters?: number;
      NumNodeGroups?: number;
      ReplicasPerNodeGroup?: number;
      CacheSubnetGroupName?: string;
      SecurityGroupIds?: string[];
      Tags?: Tag[];
    },
  ) {
    this.gate(ELASTICACHE_API, 'CreateReplicationGroup');
    const r = this.region(region);
    const id = input.ReplicationGroupId ?? '';
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,39}$/.test(id) || id.endsWith('-'))
      throw new AwsApiError(
        'InvalidParameterValue',
        `The parameter ReplicationGroupId is not a valid identifier: ${id}`,
      );
    const groupId = id.toLowerCase();
    if (!input.ReplicationGroupDescription)
      throw new AwsApiError('InvalidParameterValue', 'The parameter ReplicationGroupDescription must be provided.');
    if (this.cache.group(region, groupId))
      throw new AwsApiError('ReplicationGroupAlreadyExists', `Replication group ${groupId} already exists.`);
    const snapshot = r.snapshots.get(input.SnapshotName ?? '');
    if (!snapshot) throw new AwsApiError('SnapshotNotFoundFault', `Snapshot ${input.SnapshotName} not found.`, 404);
    if (snapshot.deleting || this.phase(snapshot).state !== 'completed')
      throw new AwsApiError('InvalidSnapshotState', `Snapshot ${snapshot.SnapshotName} is not available.`);
    if (input.Engine && input.Engine !== snapshot.Engine)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Snapshot ${snapshot.SnapshotName} is of ${snapshot.Engine}.`,
      );
    const nodeType = input.CacheNodeType ?? snapshot.CacheNodeType;
    if (nodeType !== snapshot.CacheNodeType)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Node type ${nodeType} differs from the snapshot's ${snapshot.CacheNodeType} (the model allows no resize).`,
      );
    const clusterEnabled = input.NumNodeGroups !== undefined;
    if (clusterEnabled !== snapshot.ClusterEnabled)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Snapshot ${snapshot.SnapshotName} is of a cluster mode ${snapshot.ClusterEnabled ? 'enabled' : 'disabled'} group.`,
      );
    if (clusterEnabled && input.NumNodeGroups !== snapshot.NumNodeGroups)
      throw new AwsApiError(
        'InvalidParameterValue',
        `Snapshot ${snapshot.SnapshotName} has ${snapshot.NumNodeGroups} shards, not ${input.NumNodeGroups}.`,
      );
    const subnetGroup = input.CacheSubnetGroupName ?? 'default';
    if (!r.subnetGroups.has(subnetGroup))
      throw new AwsApiError('CacheSubnetGroupNotFoundFault', `Cache subnet group ${subnetGroup} not found.`, 404);
    const replicas = clusterEnabled
      ? (input.ReplicasPerNodeGroup ?? 1)
      : Math.max(0, (input.NumCacheClusters ?? 1) - 1);
    const group = this.cache.addReplicationGroup(region, {
      ReplicationGroupId: groupId,
      Description: input.ReplicationGroupDescription,
      Engine: snapshot.Engine === 'valkey' ? 'valkey' : 'redis',
      EngineVersion: input.EngineVersion ?? snapshot.EngineVersion,
      CacheNodeType: nodeType,
      ClusterEnabled: clusterEnabled,
      shards: snapshot.NumNodeGroups,
      replicas,
      CacheSubnetGroupName: subnetGroup,
      SecurityGroupIds: [...(input.SecurityGroupIds ?? [])],
      Tags: [...(input.Tags ?? [])],
      Status: 'creating',
      restoredFrom: snapshot.SnapshotName,
      lifecycle: { untilMs: this.nowMs() + CACHE_RESTORE_SECONDS * 1000, next: 'available' },
    });
    return this.created(ELASTICACHE_API, {
      ReplicationGroup: { ReplicationGroupId: group.ReplicationGroupId, Status: group.Status },
    });
  }

  deleteReplicationGroup(region: string, input: { ReplicationGroupId?: string }) {
    this.gate(ELASTICACHE_API, 'DeleteReplicationGroup');
    const group = this.cache.group(region, input.ReplicationGroupId ?? '');
    if (!group)
      throw new AwsApiError(
        'ReplicationGroupNotFoundFault',
        `Replication group ${input.ReplicationGroupId} not found.`,
        404,
      );
    if (group.Status !== 'available')
      throw new AwsApiError(
        'InvalidReplicationGroupState',
        `Replication group ${group.ReplicationGroupId} is ${group.Status}, not available.`,
      );
    group.Status = 'deleting';
    group.lifecycle = { untilMs: this.nowMs() + CACHE_DELETE_SECONDS * 1000, next: GONE };
    return { ReplicationGroup: { ReplicationGroupId: group.ReplicationGroupId, Status: 'deleting' } };
  }

  /** The replication groups a restore made (tests): id, status, the snapshot it came from, its tags. */
  restoredCacheGroups(region: string) {
    return [...this.region(region).groups.keys()].flatMap((id) => {
      const g = this.cache.group(region, id);
      return g?.restoredFrom ? [{ id, status: g.Status, from: g.restoredFrom, tags: [...g.Tags] }] : [];
    });
  }
}

export const elasticacheRestoreModel = defineModelService({
  name: 'elasticacheRestore',
  needs: ['elasticache'],
  build: (core, needs: { elasticache: ElastiCacheBackend }) => new ElastiCacheRestoreBackend(core, needs.elasticache),
  operations: ['createReplicationGroup', 'deleteReplicationGroup', 'restoredCacheGroups'],
});
