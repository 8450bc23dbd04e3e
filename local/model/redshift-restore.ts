/**
 * Redshift cluster restores over Redshift's region store: RestoreFromClusterSnapshot makes a new cluster,
 * `creating` for a time drawn from the snapshot's size, then `available`, with the snapshot's node type,
 * node count and encryption (a DR copy's: its grant's key); DeleteCluster makes it `deleting`, then gone.
 * RestoreFromClusterSnapshot takes no tags (its request has no Tags member): the caller tags after.
 */
import { AwsApiError, type ModelCore, RegionalBackend } from './core';
import { REDSHIFT_API, type RedshiftBackend, type RedshiftRegionState } from './redshift';
import { defineModelService } from './registry';

/** Seconds a cluster takes to delete (fixed: a removal draws nothing from the PRNG). */
export const REDSHIFT_DELETE_SECONDS = 600;

/**
 * Redshift's rule for a cluster identifier: lower-case letters, digits and single hyphens, a letter
 * first, no hyphen last, 63 at most (CreateCluster, RestoreFromClusterSnapshot).
 */
export function assertClusterIdentifier(id: string | undefined): string {
  if (!id || !/^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(id) || id.endsWith('-'))
    throw new AwsApiError('InvalidParameterValue', `The cluster identifier ${id ?? ''} is not valid.`);
  return id;
}

export class RedshiftRestoreBackend extends RegionalBackend<RedshiftRegionState> {
  constructor(
    core: ModelCore,
    private readonly redshift: RedshiftBackend,
  ) {
    super(core, redshift.store);
  }

  restoreFromClusterSnapshot(
    region: string,
    input: {
      ClusterIdentifier?: string;
      SnapshotIdentifier?: string;
      ClusterSubnetGroupName?: string;
      VpcSecurityGroupIds?: string[];
      AvailabilityZone?: string;
      PubliclyAccessible?: boolean;
      NodeType?: string;
      NumberOfNodes?: number;
    },
  ) {
    this.gate(REDSHIFT_API, 'RestoreFromClusterSnapshot');
    this.redshift.settleClusters(region);
    this.redshift.settleSnapshots(region);
    const r = this.region(region);
    const id = assertClusterIdentifier(input.ClusterIdentifier);
    if (r.clusters.has(id)) throw new AwsApiError('ClusterAlreadyExists', `Cluster ${id} already exists.`);
    const snapshot = input.SnapshotIdentifier ? r.snapshots.get(input.SnapshotIdentifier) : undefined;
    if (!snapshot)
      throw new AwsApiError('ClusterSnapshotNotFound', `Snapshot ${input.SnapshotIdentifier ?? ''} not found.`, 404);
    if (this.phase(snapshot).state !== 'completed')
      throw new AwsApiError(
        'InvalidClusterSnapshotState',
        `Snapshot ${snapshot.SnapshotIdentifier} must be available to restore from.`,
      );
    const subnetGroup = input.ClusterSubnetGroupName ?? 'default';
    if (!r.subnetGroups.has(subnetGroup))
      throw new AwsApiError('ClusterSubnetGroupNotFoundFault', `Cluster subnet group ${subnetGroup} not found.`);
    const cluster = this.redshift.addRedshiftCluster(region, {
      ClusterIdentifier: id,
      NodeType: input.NodeType ?? snapshot.NodeType,
      NumberOfNodes: input.NumberOfNodes ?? snapshot.NumberOfNodes,
      Encrypted: snapshot.Encrypted,
      ...(snapshot.KmsKeyId ? { KmsKeyId: snapshot.KmsKeyId } : {}),
      sizeGiB: snapshot.sizeGiB,
      ClusterSubnetGroupName: subnetGroup,
      VpcSecurityGroupIds: input.VpcSecurityGroupIds ?? [`sg-redshift-${region}`],
      ...(input.AvailabilityZone ? { AvailabilityZone: input.AvailabilityZone } : {}),
      status: 'creating',
      statusUntilMs: this.nowMs() + Math.round((600 + snapshot.sizeGiB * 1.5) * 1000),
    });
    return this.created(REDSHIFT_API, { Cluster: this.redshift.clusterView(region, cluster) });
  }

  deleteCluster(
    region: string,
    input: { ClusterIdentifier?: string; SkipFinalClusterSnapshot?: boolean; FinalClusterSnapshotIdentifier?: string },
  ) {
    this.gate(REDSHIFT_API, 'DeleteCluster');
    this.redshift.settleClusters(region);
    const cluster = input.ClusterIdentifier ? this.region(region).clusters.get(input.ClusterIdentifier) : undefined;
    if (!cluster) throw new AwsApiError('ClusterNotFound', `Cluster ${input.ClusterIdentifier ?? ''} not found.`, 404);
    if (!input.SkipFinalClusterSnapshot && !input.FinalClusterSnapshotIdentifier)
      throw new AwsApiError(
        'InvalidParameterCombination',
        'FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is true.',
      );
    if (cluster.status === 'creating' || cluster.status === 'deleting')
      throw new AwsApiError('InvalidClusterState', `Cluster ${cluster.ClusterIdentifier} is ${cluster.status}.`);
    cluster.status = 'deleting';
    cluster.statusUntilMs = this.nowMs() + REDSHIFT_DELETE_SECONDS * 1000;
    return { Cluster: this.redshift.clusterView(region, cluster) };
  }
}

export const redshiftRestoreModel = defineModelService({
  name: 'redshiftRestore',
  needs: ['redshift'],
  build: (core, { redshift }: { redshift: RedshiftBackend }) => new RedshiftRestoreBackend(core, redshift),
  operations: ['restoreFromClusterSnapshot', 'deleteCluster'],
});
