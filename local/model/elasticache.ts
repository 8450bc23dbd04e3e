/**
 * ElastiCache: node-based Valkey / Redis OSS replication groups and their nodes (cache clusters),
 * node-based Memcached clusters, manual snapshots (CreateSnapshot, DescribeSnapshots, DeleteSnapshot)
 * and tags (ListTagsForResource). Restores (CreateReplicationGroup from a snapshot, DeleteReplicationGroup)
 * are in elasticache-restore.ts over the same store. AWS's rules it enforces, strict where unsure
 * (docs/aws-behaviour.md, ElastiCache):
 * - a snapshot names a node (CacheClusterId) or a group (ReplicationGroupId), exactly one; a node of a
 *   cluster-mode-enabled group is refused (backups at group level only), Memcached is refused (no backups
 *   for node-based Memcached), cache.t1.micro is refused (SnapshotFeatureNotSupportedFault);
 * - at most 20 manual snapshots per node in any 24 hours (SnapshotQuotaExceededFault);
 * - a group takes one snapshot at a time: while one is made the group is `snapshotting` and another
 *   is refused (InvalidReplicationGroupState / InvalidCacheClusterState);
 * - snapshot names are unique in a region (SnapshotAlreadyExistsFault); a snapshot being made cannot be
 *   deleted (InvalidSnapshotState);
 * - DescribeReplicationGroups and DescribeSnapshots show no tags: ListTagsForResource by ARN does.
 */
import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  arnPartition,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  RegionStore,
  type ServiceApi,
  type Tag,
  type Timed,
} from './core';
import { ELASTICACHE_ESTATE_SEEDS, type ElastiCacheSeedOps } from './elasticache-estates';
import type { EstateSeeding } from './estate-seeds';
import { type Lifecycle, settle, settleAll } from './lifecycle';
import { paginate } from './query';
import { defineModelService } from './registry';

export const ELASTICACHE_API: ServiceApi = {
  name: 'elasticache',
  throttleCode: 'Throttling',
  throttleStatus: 400,
  internalErrorCode: 'InternalFailure',
};

export interface CacheNodeModel {
  CacheClusterId: string;
  CurrentRole: 'primary' | 'replica';
  NodeGroupId: string;
}

export interface ReplicationGroupModel {
  ReplicationGroupId: string;
  Description: string;
  Engine: 'redis' | 'valkey';
  EngineVersion: string;
  CacheNodeType: string;
  ClusterEnabled: boolean;
  Status: string;
  nodes: CacheNodeModel[];
  CacheSubnetGroupName: string;
  SecurityGroupIds: string[];
  Tags: Tag[];
  /** How long a snapshot of it takes, in seconds (its data's size). */
  snapshotSeconds: number;
  /** The snapshot it was restored from (elasticache-restore.ts). */
  restoredFrom?: string;
  lifecycle?: Lifecycle;
}

export interface MemcachedClusterModel {
  CacheClusterId: string;
  CacheNodeType: string;
  NumCacheNodes: number;
  Tags: Tag[];
}

export interface CacheSnapshotModel extends Timed {
  SnapshotName: string;
  ReplicationGroupId: string;
  /** The node it was taken of; absent when taken at group level (cluster mode enabled). */
  CacheClusterId?: string;
  Engine: string;
  EngineVersion: string;
  CacheNodeType: string;
  ClusterEnabled: boolean;
  NumNodeGroups: number;
  replicasPerNodeGroup: number;
  Tags: Tag[];
  /** The nodes whose 24-hour quota it counts against. */
  countedNodes: string[];
  deleting?: boolean;
}

export interface ElastiCacheRegionState {
  groups: Map<string, ReplicationGroupModel>;
  memcached: Map<string, MemcachedClusterModel>;
  snapshots: Map<string, CacheSnapshotModel>;
  /** Cache subnet groups by name: every region has `default`. */
  subnetGroups: Set<string>;
}

/** ElastiCache's limits with AWS's defaults ("Snapshot and restore", Backup constraints). */
export const ELASTICACHE_LIMITS = {
  manualCacheSnapshotsPerNodePerDay: 20,
};

const DAY_MS = 86_400_000;

export class ElastiCacheBackend
  extends RegionalBackend<ElastiCacheRegionState>
  implements EstateSeeding<ElastiCacheSeedOps>, AuthorizationLookup
{
  private readonly limits = this.core.limitsOf(ELASTICACHE_LIMITS);
  readonly estateSeeds = ELASTICACHE_ESTATE_SEEDS;

  constructor(core: ModelCore) {
    super(
      core,
      new RegionStore(() => ({
        groups: new Map(),
        memcached: new Map(),
        snapshots: new Map(),
        subnetGroups: new Set(['default']),
      })),
    );
  }

  arnOf(region: string, kind: 'replicationgroup' | 'cluster' | 'snapshot', id: string): string {
    return `arn:${arnPartition(region)}:elasticache:${region}:${this.accountId}:${kind}:${id}`;
  }

  replicationGroupArn(region: string, id: string): string {
    return this.arnOf(region, 'replicationgroup', id);
  }

  /** A group's nodes: `<id>-001`... (cluster mode disabled), `<id>-0001-001`... per shard (enabled). */
  static nodesOf(id: string, clusterEnabled: boolean, shards: number, replicas: number): CacheNodeModel[] {
    return Array.from({ length: clusterEnabled ? shards : 1 }, (_, s) => {
      const shard = String(s + 1).padStart(4, '0');
      return Array.from({ length: replicas + 1 }, (_, n): CacheNodeModel => {
        const node = String(n + 1).padStart(3, '0');
        return {
          CacheClusterId: clusterEnabled ? `${id}-${shard}-${node}` : `${id}-${node}`,
          CurrentRole: n === 0 ? 'primary' : 'replica',
          NodeGroupId: shard,
        };
      });
    }).flat();
  }

  addReplicationGroup(
    region: string,
    g: Partial<Omit<ReplicationGroupModel, 'nodes'>> & {
      ReplicationGroupId: string;
      replicas?: number;
      shards?: number;
      memoryGiB?: number;
    },
  ): ReplicationGroupModel {
    const { replicas = 1, shards = 1, memoryGiB = 6, ...rest } = g;
    const clusterEnabled = g.ClusterEnabled ?? false;
    const group: ReplicationGroupModel = {
      Description: g.ReplicationGroupId,
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      ClusterEnabled: clusterEnabled,
      Status: 'available',
      CacheSubnetGroupName: 'default',
      SecurityGroupIds: [],
      Tags: [],
      ...rest,
      // Drawn only when not given: the demo's seeds give it, so they draw nothing from the PRNG.
      snapshotSeconds: g.snapshotSeconds ?? Math.round(60 + memoryGiB * 40 * (0.7 + this.random() * 0.6)),
      nodes: ElastiCacheBackend.nodesOf(g.ReplicationGroupId, clusterEnabled, shards, replicas),
    };
    const r = this.region(region);
    r.subnetGroups.add(group.CacheSubnetGroupName);
    r.groups.set(group.ReplicationGroupId, group);
    return group;
  }

  addMemcachedCluster(region: string, c: Partial<MemcachedClusterModel> & { CacheClusterId: string }) {
    const cluster: MemcachedClusterModel = { CacheNodeType: 'cache.m7g.large', NumCacheNodes: 2, Tags: [], ...c };
    this.region(region).memcached.set(cluster.CacheClusterId, cluster);
    return cluster;
  }

  /** A cache subnet group an operator made (a drill's isolated one, cdk.json drills.placement). */
  addCacheSubnetGroup(region: string, name: string): void {
    this.region(region).subnetGroups.add(name);
  }

  /** A snapshot that already exists (history for retention), finished at `startMs`. */
  addExistingCacheSnapshot(
    region: string,
    s: Partial<CacheSnapshotModel> & { SnapshotName: string; ReplicationGroupId: string; startMs: number },
  ): CacheSnapshotModel {
    const snapshot: CacheSnapshotModel = {
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      ClusterEnabled: false,
      NumNodeGroups: 1,
      replicasPerNodeGroup: 1,
      Tags: [],
      countedNodes: [],
      durationMs: 0,
      ...s,
    };
    this.region(region).snapshots.set(snapshot.SnapshotName, snapshot);
    return snapshot;
  }

  /** The group as it is now: a restore's creation or deletion landed, its snapshot's `snapshotting` ended. */
  group(region: string, id: string): ReplicationGroupModel | undefined {
    const r = this.region(region);
    const group = settle(r.groups, id, this.nowMs(), 'Status');
    if (group?.Status === 'snapshotting' && !this.snapshotInProgress(region, id)) group.Status = 'available';
    return group;
  }

  private snapshotInProgress(region: string, groupId: string): boolean {
    return [...this.region(region).snapshots.values()].some(
      (s) => s.ReplicationGroupId === groupId && !s.deleting && this.phase(s).state === 'pending',
    );
  }

  private groupView(region: string, g: ReplicationGroupModel) {
    const shards = [...new Set(g.nodes.map((n) => n.NodeGroupId))];
    return {
      ReplicationGroupId: g.ReplicationGroupId,
      Description: g.Description,
      Status: g.Status,
      Engine: g.Engine,
      CacheNodeType: g.CacheNodeType,
      ClusterEnabled: g.ClusterEnabled,
      ARN: this.replicationGroupArn(region, g.ReplicationGroupId),
      MemberClusters: g.nodes.map((n) => n.CacheClusterId),
      NodeGroups: shards.map((shard) => ({
        NodeGroupId: shard,
        Status: g.Status === 'creating' ? 'creating' : 'available',
        NodeGroupMembers: g.nodes
          .filter((n) => n.NodeGroupId === shard)
          .map((n) => ({ CacheClusterId: n.CacheClusterId, CacheNodeId: '0001', CurrentRole: n.CurrentRole })),
      })),
    };
  }

  describeReplicationGroups(
    region: string,
    input: { ReplicationGroupId?: string; MaxRecords?: number; Marker?: string },
  ) {
    this.gate(ELASTICACHE_API, 'DescribeReplicationGroups');
    const r = this.region(region);
    if (input.ReplicationGroupId) {
      const group = this.group(region, input.ReplicationGroupId);
      if (!group)
        throw new AwsApiError(
          'ReplicationGroupNotFoundFault',
          `Replication group ${input.ReplicationGroupId} not found.`,
          404,
        );
      return { ReplicationGroups: [this.groupView(region, group)] };
    }
    settleAll(r.groups, this.nowMs(), 'Status');
    const groups = [...r.groups.keys()].flatMap((id) => this.group(region, id) ?? []);
    const { page, next } = paginate(groups, input.MaxRecords, input.Marker, 100);
    return { ReplicationGroups: page.map((g) => this.groupView(region, g)), ...(next ? { Marker: next } : {}) };
  }

  /** Every node of every group, and the Memcached clusters, as DescribeCacheClusters lists them. */
  private clusterViews(region: string) {
    const r = this.region(region);
    const nodes = [...r.groups.keys()].flatMap((id) => {
      const g = this.group(region, id);
      return (g?.nodes ?? []).map((n) => ({
        CacheClusterId: n.CacheClusterId,
        ReplicationGroupId: g?.ReplicationGroupId,
        Engine: g?.Engine,
        EngineVersion: g?.EngineVersion,
        CacheNodeType: g?.CacheNodeType,
        CacheClusterStatus: g?.Status === 'snapshotting' ? 'available' : g?.Status,
        NumCacheNodes: 1,
        CacheSubnetGroupName: g?.CacheSubnetGroupName,
        SecurityGroups: (g?.SecurityGroupIds ?? []).map((id) => ({ SecurityGroupId: id, Status: 'active' })),
        ARN: this.arnOf(region, 'cluster', n.CacheClusterId),
      }));
    });
    const memcached = [...r.memcached.values()].map((c) => ({
      CacheClusterId: c.CacheClusterId,
      Engine: 'memcached',
      EngineVersion: '1.6.22',
      CacheNodeType: c.CacheNodeType,
      CacheClusterStatus: 'available',
      NumCacheNodes: c.NumCacheNodes,
      CacheSubnetGroupName: 'default',
      SecurityGroups: [],
      ARN: this.arnOf(region, 'cluster', c.CacheClusterId),
    }));
    return [...nodes, ...memcached];
  }

  describeCacheClusters(region: string, input: { CacheClusterId?: string; MaxRecords?: number; Marker?: string }) {
    this.gate(ELASTICACHE_API, 'DescribeCacheClusters');
    const all = this.clusterViews(region);
    const selected = input.CacheClusterId ? all.filter((c) => c.CacheClusterId === input.CacheClusterId) : all;
    if (input.CacheClusterId && selected.length === 0)
      throw new AwsApiError('CacheClusterNotFound', `CacheCluster ${input.CacheClusterId} not found.`, 404);
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return { CacheClusters: page, ...(next ? { Marker: next } : {}) };
  }

  private snapshotStatus(s: CacheSnapshotModel): string {
    if (s.deleting) return 'deleting';
    const { state } = this.phase(s);
    return state === 'completed' ? 'available' : state === 'error' ? 'failed' : 'creating';
  }

  private snapshotView(region: string, s: CacheSnapshotModel) {
    return {
      SnapshotName: s.SnapshotName,
      ReplicationGroupId: s.ReplicationGroupId,
      ...(s.CacheClusterId ? { CacheClusterId: s.CacheClusterId } : {}),
      SnapshotStatus: this.snapshotStatus(s),
      SnapshotSource: 'manual',
      Engine: s.Engine,
      EngineVersion: s.EngineVersion,
      CacheNodeType: s.CacheNodeType,
      NumNodeGroups: s.NumNodeGroups,
      AutomaticFailover: s.replicasPerNodeGroup > 0 ? 'enabled' : 'disabled',
      ARN: this.arnOf(region, 'snapshot', s.SnapshotName),
      NodeSnapshots: [
        {
          ...(s.CacheClusterId ? { CacheClusterId: s.CacheClusterId } : {}),
          SnapshotCreateTime: new Date(s.startMs),
        },
      ],
    };
  }

  describeCacheSnapshots(
    region: string,
    input: {
      SnapshotName?: string;
      ReplicationGroupId?: string;
      SnapshotSource?: string;
      MaxRecords?: number;
      Marker?: string;
    },
  ) {
    this.gate(ELASTICACHE_API, 'DescribeSnapshots');
    const r = this.region(region);
    if (input.SnapshotName && !r.snapshots.has(input.SnapshotName))
      throw new AwsApiError('SnapshotNotFoundFault', `Snapshot ${input.SnapshotName} not found.`, 404);
    // SnapshotSource: `manual` (ours) or `system` (automatic); the model makes manual ones only.
    const selected = [...r.snapshots.values()].filter(
      (s) =>
        (!input.SnapshotName || s.SnapshotName === input.SnapshotName) &&
        (!input.ReplicationGroupId || s.ReplicationGroupId === input.ReplicationGroupId) &&
        (!input.SnapshotSource || input.SnapshotSource === 'manual'),
    );
    // DescribeSnapshots pages 20 to 50 records (MaxRecords).
    if (input.MaxRecords !== undefined && (input.MaxRecords < 20 || input.MaxRecords > 50))
      throw new AwsApiError('InvalidParameterValue', 'MaxRecords must be between 20 and 50.');
    const { page, next } = paginate(selected, input.MaxRecords ?? 50, input.Marker, 50);
    return { Snapshots: page.map((s) => this.snapshotView(region, s)), ...(next ? { Marker: next } : {}) };
  }

  createCacheSnapshot(
    region: string,
    input: { SnapshotName?: string; CacheClusterId?: string; ReplicationGroupId?: string; Tags?: Tag[] },
  ) {
    this.gate(ELASTICACHE_API, 'CreateSnapshot');
    const r = this.region(region);
    const name = input.SnapshotName ?? '';
    if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{0,254}$/.test(name))
      throw new AwsApiError('InvalidParameterValue', `Invalid snapshot name: ${name}`);
    if (Boolean(input.CacheClusterId) === Boolean(input.ReplicationGroupId))
      throw new AwsApiError(
        'InvalidParameterCombination',
        'Exactly one of CacheClusterId and ReplicationGroupId must be specified.',
      );
    if (input.CacheClusterId && r.memcached.has(input.CacheClusterId))
      throw new AwsApiError('InvalidParameterCombination', 'Snapshots are not supported for the memcached engine.');
    const group = input.ReplicationGroupId
      ? this.group(region, input.ReplicationGroupId)
      : [...r.groups.keys()]
          .map((id) => this.group(region, id))
          .find((g) => g?.nodes.some((n) => n.CacheClusterId === input.CacheClusterId));
    if (!group) {
      if (input.ReplicationGroupId)
        throw new AwsApiError(
          'ReplicationGroupNotFoundFault',
          `Replication group ${input.ReplicationGroupId} not found.`,
          404,
        );
      throw new AwsApiError('CacheClusterNotFound', `CacheCluster ${input.CacheClusterId} not found.`, 404);
    }
    if (input.CacheClusterId && group.ClusterEnabled)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Cluster mode enabled replication group ${group.ReplicationGroupId} is backed up at the replication group level only.`,
      );
    if (group.CacheNodeType === 'cache.t1.micro')
      throw new AwsApiError('SnapshotFeatureNotSupportedFault', 'Snapshots are not supported on cache.t1.micro nodes.');
    if (r.snapshots.has(name)) throw new AwsApiError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`);
    if (group.Status !== 'available')
      throw new AwsApiError(
        input.CacheClusterId ? 'InvalidCacheClusterState' : 'InvalidReplicationGroupState',
        `Replication group ${group.ReplicationGroupId} is ${group.Status}, not available.`,
      );
    // The 24-hour quota counts per node: a node's snapshot its node; a group-level one every primary.
    const counted = input.CacheClusterId
      ? [input.CacheClusterId]
      : group.nodes.filter((n) => n.CurrentRole === 'primary').map((n) => n.CacheClusterId);
    const since = this.nowMs() - DAY_MS;
    for (const node of counted) {
      const made = [...r.snapshots.values()].filter((s) => s.startMs > since && s.countedNodes.includes(node)).length;
      if (made >= this.limits.manualCacheSnapshotsPerNodePerDay)
        throw new AwsApiError(
          'SnapshotQuotaExceededFault',
          `Node ${node} has had ${made} manual snapshots in the last 24 hours (the quota is ${this.limits.manualCacheSnapshotsPerNodePerDay}).`,
        );
    }
    const shards = new Set(group.nodes.map((n) => n.NodeGroupId)).size;
    const snapshot: CacheSnapshotModel = {
      SnapshotName: name,
      ReplicationGroupId: group.ReplicationGroupId,
      ...(input.CacheClusterId ? { CacheClusterId: input.CacheClusterId } : {}),
      Engine: group.Engine,
      EngineVersion: group.EngineVersion,
      CacheNodeType: group.CacheNodeType,
      ClusterEnabled: group.ClusterEnabled,
      NumNodeGroups: shards,
      replicasPerNodeGroup: group.nodes.length / shards - 1,
      Tags: [...(input.Tags ?? [])],
      countedNodes: counted,
      ...this.timing(group.snapshotSeconds),
    };
    r.snapshots.set(name, snapshot);
    group.Status = 'snapshotting';
    return this.created(ELASTICACHE_API, { Snapshot: this.snapshotView(region, snapshot) });
  }

  deleteCacheSnapshot(region: string, input: { SnapshotName?: string }) {
    this.gate(ELASTICACHE_API, 'DeleteSnapshot');
    const r = this.region(region);
    const snapshot = r.snapshots.get(input.SnapshotName ?? '');
    if (!snapshot) throw new AwsApiError('SnapshotNotFoundFault', `Snapshot ${input.SnapshotName} not found.`, 404);
    if (this.snapshotStatus(snapshot) === 'creating')
      throw new AwsApiError('InvalidSnapshotState', `Snapshot ${snapshot.SnapshotName} is being created.`);
    const view = { ...this.snapshotView(region, snapshot), SnapshotStatus: 'deleting' };
    // Deleted at once in the model: a describe no longer finds it (AWS shows `deleting` briefly).
    r.snapshots.delete(snapshot.SnapshotName);
    return { Snapshot: view };
  }

  /** The snapshots in a region as the service shows them (tests, the report). */
  cacheSnapshots(region: string) {
    return [...this.region(region).snapshots.values()].map((s) => ({
      ...this.snapshotView(region, s),
      Tags: [...s.Tags],
    }));
  }

  /** The tags of the resource an ARN names (a group, a node or Memcached cluster, a snapshot). */
  private tagsOfArn(region: string, arn: string): Tag[] {
    const match = /^arn:[^:]+:elasticache:([^:]+):\d{12}:(replicationgroup|cluster|snapshot):(.+)$/.exec(arn);
    if (!match) throw new AwsApiError('InvalidARN', `Invalid ARN: ${arn}`);
    const [, arnRegion = '', kind, id = ''] = match;
    const at = arnRegion === region ? region : arnRegion;
    const r = this.region(at);
    if (kind === 'replicationgroup') {
      const group = this.group(at, id);
      if (!group) throw new AwsApiError('ReplicationGroupNotFoundFault', `Replication group ${id} not found.`, 404);
      return group.Tags;
    }
    if (kind === 'snapshot') {
      const snapshot = r.snapshots.get(id);
      if (!snapshot) throw new AwsApiError('SnapshotNotFoundFault', `Snapshot ${id} not found.`, 404);
      return snapshot.Tags;
    }
    const memcached = r.memcached.get(id);
    if (memcached) return memcached.Tags;
    // A group's node carries its group's tags (tags on a group are replicated to its nodes).
    const group = [...r.groups.values()].find((g) => g.nodes.some((n) => n.CacheClusterId === id));
    if (!group) throw new AwsApiError('CacheClusterNotFound', `CacheCluster ${id} not found.`, 404);
    return group.Tags;
  }

  listCacheTagsForResource(region: string, input: { ResourceName?: string }) {
    this.gate(ELASTICACHE_API, 'ListTagsForResource');
    return { TagList: this.tagsOfArn(region, input.ResourceName ?? '').map((t) => ({ ...t })) };
  }

  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    switch (action) {
      case 'elasticache:DeleteSnapshot':
        return { resourceTags: tagValues(r.snapshots.get(String(input.SnapshotName))?.Tags) };
      case 'elasticache:DeleteReplicationGroup':
        return { resourceTags: tagValues(r.groups.get(String(input.ReplicationGroupId))?.Tags) };
      default:
        return undefined;
    }
  }
}

export const elasticacheModel = defineModelService({
  name: 'elasticache',
  build: (core) => new ElastiCacheBackend(core),
  operations: [
    'addReplicationGroup',
    'addMemcachedCluster',
    'addCacheSubnetGroup',
    'addExistingCacheSnapshot',
    'replicationGroupArn',
    'describeReplicationGroups',
    'describeCacheClusters',
    'describeCacheSnapshots',
    'createCacheSnapshot',
    'deleteCacheSnapshot',
    'cacheSnapshots',
    'listCacheTagsForResource',
  ],
  limits: ELASTICACHE_LIMITS,
  hooks: {
    finishedAtMs: (backend, region, id) => {
      const snapshot = backend.region(region).snapshots.get(id);
      return snapshot && finishedAt(snapshot);
    },
    durationMs: (backend, region, id) => backend.region(region).snapshots.get(id)?.durationMs,
  },
});
