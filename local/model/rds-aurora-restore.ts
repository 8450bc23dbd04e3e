/**
 * Aurora restores over RDS's region store: RestoreDBClusterFromSnapshot (a cluster without instances,
 * `creating` for a time drawn from its volume, then `available`; its writer is then a CreateDBInstance
 * with its DBClusterIdentifier, in rds-restore.ts) and DeleteDBCluster, refused while a member is not
 * itself being deleted, then `deleting` → gone (lifecycle.ts).
 */
import { AwsApiError, type ModelCore, RegionalBackend, type Tag } from './core';
import { GONE, settle } from './lifecycle';
import type { DbClusterModel, RdsBackend, RdsRegionState } from './rds';
import type { AuroraBackend } from './rds-aurora';
import { RDS_API } from './rds-groups';
import { assertDbIdentifier, RDS_DELETE_SECONDS, type RdsRestoreBackend } from './rds-restore';
import { defineModelService } from './registry';

export class AuroraRestoreBackend extends RegionalBackend<RdsRegionState> {
  constructor(
    core: ModelCore,
    private readonly rds: RdsBackend,
    private readonly aurora: AuroraBackend,
    private readonly restores: RdsRestoreBackend,
  ) {
    super(core, rds.store);
  }

  /**
   * RestoreDBClusterFromSnapshot in the snapshot's region: the snapshot's engine (Engine is required and
   * must match), volume and key; the subnet group and a named cluster parameter group must exist in the
   * region, and the identifier be free.
   */
  restoreDBClusterFromSnapshot(
    region: string,
    input: {
      DBClusterIdentifier?: string;
      SnapshotIdentifier?: string;
      Engine?: string;
      DBSubnetGroupName?: string;
      VpcSecurityGroupIds?: string[];
      DBClusterParameterGroupName?: string;
      Tags?: Tag[];
      CopyTagsToSnapshot?: boolean;
    },
  ) {
    this.gate(RDS_API, 'RestoreDBClusterFromSnapshot');
    const r = this.region(region);
    const id = assertDbIdentifier(input.DBClusterIdentifier, 'DBClusterIdentifier');
    if (!input.Engine) throw new AwsApiError('MissingParameter', 'The request must contain the parameter Engine');
    if (settle(r.dbClusters, id, this.nowMs(), 'status'))
      throw new AwsApiError('DBClusterAlreadyExistsFault', `DB Cluster already exists: ${id}`);
    const ref = input.SnapshotIdentifier ?? '';
    const arn = /^arn:[^:]+:rds:([^:]+):([^:]+):cluster-snapshot:(.+)$/.exec(ref);
    const snapshot =
      !arn || (arn[1] === region && arn[2] === this.accountId)
        ? r.dbClusterSnapshots.get(arn ? (arn[3] ?? '') : ref)
        : undefined;
    if (!snapshot) throw new AwsApiError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${ref} not found.`, 404);
    const state = this.phase(snapshot).state;
    if (state !== 'completed')
      throw new AwsApiError(
        'InvalidDBClusterSnapshotStateFault',
        `Cluster snapshot ${snapshot.DBClusterSnapshotIdentifier} is ${state === 'pending' ? 'still being created' : 'failed'}: it cannot be restored.`,
      );
    if (input.Engine !== snapshot.Engine)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Engine ${input.Engine} does not match the snapshot's engine ${snapshot.Engine}.`,
      );
    this.restores.groups.assertRdsGroups(region, input);
    const placement = this.restores.placement(region, input);
    // An encrypted snapshot restores under its key (aws/rds when none), which RDS uses for the caller;
    // an unencrypted one restores unencrypted.
    const encrypted = snapshot.Encrypted ?? true;
    if (encrypted) this.rds.assertKeyUsable(region, snapshot.KmsKeyId);
    const source = r.dbClusters.get(snapshot.DBClusterIdentifier);
    const cluster: DbClusterModel = {
      DBClusterIdentifier: id,
      Engine: snapshot.Engine,
      volumeGiB: snapshot.volumeGiB,
      status: 'creating',
      statusUntilMs: this.restores.readyAt(240 + snapshot.volumeGiB * 1.2),
      TagList: [...(input.Tags ?? [])],
      CopyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
      memberIds: [],
      snapshotSeconds: source?.snapshotSeconds ?? Math.round(90 + snapshot.volumeGiB * 4),
      DBSubnetGroupName: placement.DBSubnetGroupName,
      VpcSecurityGroupIds: placement.VpcSecurityGroupIds,
      StorageEncrypted: encrypted,
      ...(encrypted && snapshot.KmsKeyId ? { KmsKeyId: snapshot.KmsKeyId } : {}),
      ...(input.DBClusterParameterGroupName ? { DBClusterParameterGroupName: input.DBClusterParameterGroupName } : {}),
    };
    r.dbClusters.set(id, cluster);
    return this.created(RDS_API, { DBCluster: this.aurora.dbClusterView(region, cluster) });
  }

  /** DeleteDBCluster: SkipFinalSnapshot (the sandbox takes no final cluster snapshot); no live member may remain. */
  deleteDBCluster(
    region: string,
    input: { DBClusterIdentifier?: string; SkipFinalSnapshot?: boolean; FinalDBSnapshotIdentifier?: string },
  ) {
    this.gate(RDS_API, 'DeleteDBCluster');
    const r = this.region(region);
    const id = input.DBClusterIdentifier ?? '';
    const cluster = settle(r.dbClusters, id, this.nowMs(), 'status');
    if (!cluster) throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
    const status = this.aurora.dbClusterView(region, cluster).Status;
    if (status === 'deleting')
      throw new AwsApiError('InvalidDBClusterStateFault', `DB cluster ${id} is already being deleted.`);
    if (status === 'creating')
      throw new AwsApiError('InvalidDBClusterStateFault', `DB cluster ${id} is creating and cannot be deleted yet.`);
    const live = cluster.memberIds.filter((m) => {
      const member = settle(r.dbInstances, m, this.nowMs(), 'status');
      return member !== undefined && member.status !== 'deleting';
    });
    if (live.length > 0)
      throw new AwsApiError(
        'InvalidDBClusterStateFault',
        `Cluster cannot be deleted, it still contains DB instances in non-deleting state: ${live.join(', ')}.`,
      );
    if (!input.SkipFinalSnapshot && !input.FinalDBSnapshotIdentifier)
      throw new AwsApiError(
        'InvalidParameterCombination',
        'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
      );
    if (input.FinalDBSnapshotIdentifier)
      throw new AwsApiError('InvalidParameterValue', 'The sandbox deletes clusters with SkipFinalSnapshot only.');
    cluster.status = 'deleting';
    delete cluster.statusUntilMs;
    cluster.lifecycle = { untilMs: this.nowMs() + RDS_DELETE_SECONDS * 1000, next: GONE };
    return { DBCluster: this.aurora.dbClusterView(region, cluster) };
  }
}

export const auroraRestoreModel = defineModelService({
  name: 'auroraRestore',
  needs: ['rds', 'aurora', 'rdsRestore'],
  build: (core, needs: { rds: RdsBackend; aurora: AuroraBackend; rdsRestore: RdsRestoreBackend }) =>
    new AuroraRestoreBackend(core, needs.rds, needs.aurora, needs.rdsRestore),
  operations: ['restoreDBClusterFromSnapshot', 'deleteDBCluster'],
});
