/**
 * RDS instance restores over RDS's region store: RestoreDBInstanceFromDBSnapshot, CreateDBInstance (an
 * Aurora cluster's member, or a standalone instance) and DeleteDBInstance. A new instance is `creating`
 * for a time drawn from its storage (RDS's own `statusUntilMs`, as a modification's), then `available`;
 * a deleted one `deleting` (lifecycle.ts), then gone. Placement is checked against the region's DB subnet
 * groups (rds-subnet-groups.ts) and default VPC (ec2-regions.ts), the named parameter and option groups
 * against the region's (rds-groups.ts); the engine, storage, encryption and key come from the snapshot.
 */
import { AwsApiError, type ModelCore, RegionalBackend, type Tag } from './core';
import type { RegionsBackend } from './ec2-regions';
import { GONE, settle } from './lifecycle';
import { assertNewSnapshotId, type DbInstanceModel, encryptionOf, type RdsBackend, type RdsRegionState } from './rds';
import { CLUSTER_ENGINE_RULES } from './rds-aurora';
import type { RdsGroupBackend } from './rds-groups';
import { RDS_API } from './rds-groups';
import { defaultSecurityGroupId, type RdsSubnetGroupBackend } from './rds-subnet-groups';
import { defineModelService } from './registry';

/** Seconds a DB instance takes to delete (fixed: a removal draws nothing from the PRNG). */
export const RDS_DELETE_SECONDS = 300;

/** RDS's rule for an instance or cluster identifier: a letter, then letters, digits, single hyphens; 63 at most. */
export function assertDbIdentifier(id: string | undefined, parameter: string): string {
  if (!id || !/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/.test(id) || id.endsWith('-'))
    throw new AwsApiError('InvalidParameterValue', `The parameter ${parameter} is not a valid identifier: ${id}`);
  return id;
}

export interface RdsPlacementInput {
  DBSubnetGroupName?: string;
  VpcSecurityGroupIds?: string[];
  AvailabilityZone?: string;
  MultiAZ?: boolean;
}

export class RdsRestoreBackend extends RegionalBackend<RdsRegionState> {
  constructor(
    core: ModelCore,
    private readonly rds: RdsBackend,
    private readonly subnetGroups: RdsSubnetGroupBackend,
    readonly groups: RdsGroupBackend,
    private readonly regions: RegionsBackend,
  ) {
    super(core, rds.store);
  }

  /**
   * Where a new instance or cluster goes: its subnet group (RDS's `default` when none is named; an unknown
   * one is DBSubnetGroupNotFoundFault), a zone of that group (not with MultiAZ), its security groups.
   * `default` is the default VPC's: in a region without one a subnet group must be named (strict: the
   * model answers InvalidVPCNetworkStateFault, where RDS's exact fault is not documented).
   */
  placement(region: string, input: RdsPlacementInput) {
    if ((input.DBSubnetGroupName ?? 'default') === 'default' && !this.regions.hasDefaultVpc(region))
      throw new AwsApiError(
        'InvalidVPCNetworkStateFault',
        `${region} has no default VPC: name a DBSubnetGroupName to place the DB instance or cluster in a VPC.`,
      );
    const group = this.subnetGroups.dbSubnetGroup(region, input.DBSubnetGroupName ?? 'default');
    if (input.MultiAZ && input.AvailabilityZone)
      throw new AwsApiError(
        'InvalidParameterCombination',
        'Requesting a specific availability zone is not valid for Multi-AZ instances.',
      );
    if (input.AvailabilityZone && !group.subnets.some((s) => s.zone === input.AvailabilityZone))
      throw new AwsApiError(
        'InvalidParameterCombination',
        `No subnets of DB subnet group ${group.DBSubnetGroupName} are in ${input.AvailabilityZone}.`,
      );
    for (const sg of input.VpcSecurityGroupIds ?? [])
      if (!/^sg-[0-9a-f]{8,17}$/.test(sg))
        throw new AwsApiError('InvalidParameterValue', `Invalid security group id: ${sg}`);
    return {
      DBSubnetGroupName: group.DBSubnetGroupName,
      VpcSecurityGroupIds: input.VpcSecurityGroupIds?.length
        ? [...input.VpcSecurityGroupIds]
        : [defaultSecurityGroupId(region)],
      AvailabilityZone: input.AvailabilityZone ?? group.subnets[0]?.zone ?? `${region}a`,
      MultiAZ: input.MultiAZ ?? false,
    };
  }

  private assertNewInstance(r: RdsRegionState, id: string): void {
    if (settle(r.dbInstances, id, this.nowMs(), 'status'))
      throw new AwsApiError('DBInstanceAlreadyExists', `DB instance already exists: ${id}`);
  }

  /** When something started now taking about `seconds` is ready (the snapshot timing's spread; never fails). */
  readyAt(seconds: number): number {
    const t = this.timing(seconds);
    return t.startMs + t.durationMs;
  }

  /**
   * RestoreDBInstanceFromDBSnapshot in the snapshot's region: a new instance of the snapshot's engine,
   * storage and key, `creating` for a time drawn from its storage. The identifier must be free, the
   * snapshot `available`, the subnet group known.
   */
  restoreDBInstanceFromDBSnapshot(
    region: string,
    input: RdsPlacementInput & {
      DBInstanceIdentifier?: string;
      DBSnapshotIdentifier?: string;
      DBInstanceClass?: string;
      Engine?: string;
      PubliclyAccessible?: boolean;
      CopyTagsToSnapshot?: boolean;
      DBParameterGroupName?: string;
      OptionGroupName?: string;
      Tags?: Tag[];
    },
  ) {
    this.gate(RDS_API, 'RestoreDBInstanceFromDBSnapshot');
    const r = this.region(region);
    const id = assertDbIdentifier(input.DBInstanceIdentifier, 'DBInstanceIdentifier');
    this.assertNewInstance(r, id);
    const from = this.rds.rdsCopySource(region, input.DBSnapshotIdentifier, 'snapshot', 'DBSnapshotIdentifier');
    const snapshot = from.account === this.accountId && from.region === region ? r.dbSnapshots.get(from.id) : undefined;
    if (!snapshot)
      throw new AwsApiError('DBSnapshotNotFound', `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, 404);
    const state = this.phase(snapshot).state;
    if (state !== 'completed')
      throw new AwsApiError(
        'InvalidDBSnapshotState',
        `Snapshot ${snapshot.DBSnapshotIdentifier} is ${state === 'pending' ? 'still being created' : 'failed'}: it cannot be restored.`,
      );
    if (input.Engine && input.Engine !== snapshot.Engine)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Engine ${input.Engine} does not match the snapshot's engine ${snapshot.Engine}.`,
      );
    this.groups.assertRdsGroups(region, input);
    const placement = this.placement(region, input);
    const encrypted = snapshot.Encrypted ?? true;
    // RDS decrypts the snapshot and encrypts the new storage with its key, on the caller's behalf.
    if (encrypted) this.rds.assertKeyUsable(region, snapshot.KmsKeyId);
    const source = r.dbInstances.get(snapshot.DBInstanceIdentifier);
    const db: DbInstanceModel = {
      DBInstanceIdentifier: id,
      Engine: snapshot.Engine,
      // RDS's default: the class of the instance the snapshot was taken of.
      DBInstanceClass: input.DBInstanceClass ?? source?.DBInstanceClass ?? 'db.m5.large',
      AllocatedStorage: snapshot.AllocatedStorage,
      status: 'creating',
      statusUntilMs: this.readyAt(300 + snapshot.AllocatedStorage * 1.5),
      TagList: [...(input.Tags ?? [])],
      CopyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
      // Encrypted as the snapshot is, under its key; an unencrypted snapshot restores unencrypted.
      StorageEncrypted: encrypted,
      ...(encrypted && snapshot.KmsKeyId ? { KmsKeyId: snapshot.KmsKeyId } : {}),
      PubliclyAccessible: input.PubliclyAccessible ?? false,
      snapshotSeconds: source?.snapshotSeconds ?? Math.round(120 + snapshot.AllocatedStorage * 8),
      // What it got: the groups named, else the engine's defaults (the view shows those).
      ...(input.DBParameterGroupName ? { DBParameterGroupName: input.DBParameterGroupName } : {}),
      // The option group named, else the snapshot's: RDS associates the snapshot's group with the restored
      // instance (a DR copy's is the one its copy named there).
      ...(input.OptionGroupName || snapshot.OptionGroupName
        ? { OptionGroupName: input.OptionGroupName ?? snapshot.OptionGroupName }
        : {}),
      ...placement,
    };
    r.dbInstances.set(id, db);
    return this.created(RDS_API, { DBInstance: this.rds.dbInstanceView(region, db) });
  }

  /**
   * CreateDBInstance: an Aurora cluster's member (engine, subnet group, security groups and encryption
   * the cluster's; `available` no sooner than the cluster) or a standalone instance of AllocatedStorage.
   */
  createDBInstance(
    region: string,
    input: RdsPlacementInput & {
      DBInstanceIdentifier?: string;
      DBInstanceClass?: string;
      Engine?: string;
      DBClusterIdentifier?: string;
      AllocatedStorage?: number;
      PubliclyAccessible?: boolean;
      Tags?: Tag[];
    },
  ) {
    this.gate(RDS_API, 'CreateDBInstance');
    const r = this.region(region);
    const id = assertDbIdentifier(input.DBInstanceIdentifier, 'DBInstanceIdentifier');
    if (!input.DBInstanceClass)
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter DBInstanceClass');
    if (!input.Engine) throw new AwsApiError('MissingParameter', 'The request must contain the parameter Engine');
    this.assertNewInstance(r, id);
    const clusterId = input.DBClusterIdentifier;
    const cluster = clusterId ? settle(r.dbClusters, clusterId, this.nowMs(), 'status') : undefined;
    if (clusterId && !cluster)
      throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${clusterId} not found.`, 404);
    if (cluster) {
      const status = this.rds.settled(cluster);
      if (status !== 'available' && status !== 'creating')
        throw new AwsApiError('InvalidDBClusterStateFault', `DB cluster ${cluster.DBClusterIdentifier} is ${status}.`);
      if (input.Engine !== cluster.Engine)
        throw new AwsApiError(
          'InvalidParameterCombination',
          `Engine ${input.Engine} does not match the cluster's engine ${cluster.Engine}.`,
        );
      const rule = CLUSTER_ENGINE_RULES[cluster.Engine];
      if (rule && !rule.instanceClasses.test(input.DBInstanceClass))
        throw new AwsApiError(
          'InvalidParameterCombination',
          `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${input.DBInstanceClass}, Engine=${cluster.Engine}.`,
        );
      // Neither DocumentDB's nor Neptune's CreateDBInstance takes it (strict: the RDS API would carry it).
      if (rule && input.PubliclyAccessible !== undefined)
        throw new AwsApiError(
          'InvalidParameterCombination',
          `PubliclyAccessible is not supported for engine ${cluster.Engine}.`,
        );
    } else if (!input.AllocatedStorage) {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter AllocatedStorage');
    }
    const placement = this.placement(
      region,
      cluster
        ? {
            ...input,
            DBSubnetGroupName: cluster.DBSubnetGroupName ?? 'default',
            VpcSecurityGroupIds: cluster.VpcSecurityGroupIds ?? [],
          }
        : input,
    );
    // A member's storage is its cluster's, under the cluster's key: RDS uses that key for the caller.
    if (cluster && (cluster.StorageEncrypted ?? true)) this.rds.assertKeyUsable(region, cluster.KmsKeyId);
    const storage = cluster ? 1 : (input.AllocatedStorage ?? 20);
    const readyMs = this.readyAt(cluster ? 420 : 300 + storage * 1.5);
    const db: DbInstanceModel = {
      DBInstanceIdentifier: id,
      Engine: input.Engine,
      DBInstanceClass: input.DBInstanceClass,
      AllocatedStorage: storage,
      status: 'creating',
      // A member serves no sooner than its cluster does.
      statusUntilMs: Math.max(readyMs, cluster?.statusUntilMs ?? 0),
      TagList: [...(input.Tags ?? [])],
      StorageEncrypted: cluster?.StorageEncrypted ?? true,
      ...(cluster?.KmsKeyId ? { KmsKeyId: cluster.KmsKeyId } : {}),
      ...(cluster ? { DBClusterIdentifier: cluster.DBClusterIdentifier } : {}),
      PubliclyAccessible: input.PubliclyAccessible ?? false,
      snapshotSeconds: Math.round(120 + storage * 8),
      ...placement,
    };
    r.dbInstances.set(id, db);
    cluster?.memberIds.push(id);
    return this.created(RDS_API, { DBInstance: this.rds.dbInstanceView(region, db) });
  }

  /**
   * DeleteDBInstance: `deleting`, then gone (after its final snapshot, when one is asked). A standalone
   * instance needs SkipFinalSnapshot or a FinalDBSnapshotIdentifier; a cluster member takes neither (its
   * data is the cluster's) and may go whatever its cluster's state, a cluster being deleted included.
   */
  deleteDBInstance(
    region: string,
    input: {
      DBInstanceIdentifier?: string;
      SkipFinalSnapshot?: boolean;
      FinalDBSnapshotIdentifier?: string;
      DeleteAutomatedBackups?: boolean;
    },
  ) {
    this.gate(RDS_API, 'DeleteDBInstance');
    const r = this.region(region);
    const id = input.DBInstanceIdentifier ?? '';
    const db = settle(r.dbInstances, id, this.nowMs(), 'status');
    if (!db) throw new AwsApiError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
    if (db.status === 'deleting')
      throw new AwsApiError('InvalidDBInstanceState', `DB instance ${id} is already being deleted.`);
    // Strict: RDS answers InvalidDBInstanceState ("isn't in the available state") for an instance it is
    // still creating; a clean-up waits for it to be available.
    if (this.rds.dbInstanceView(region, db).DBInstanceStatus === 'creating')
      throw new AwsApiError('InvalidDBInstanceState', `DB instance ${id} is creating and cannot be deleted yet.`);
    let untilMs = this.nowMs() + RDS_DELETE_SECONDS * 1000;
    if (db.DBClusterIdentifier) {
      if (input.FinalDBSnapshotIdentifier)
        throw new AwsApiError(
          'InvalidParameterCombination',
          'FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance.',
        );
    } else if (input.FinalDBSnapshotIdentifier) {
      if (input.SkipFinalSnapshot)
        throw new AwsApiError(
          'InvalidParameterCombination',
          'FinalDBSnapshotIdentifier can not be specified when SkipFinalSnapshot is true.',
        );
      const final = input.FinalDBSnapshotIdentifier;
      assertNewSnapshotId(final, r.dbSnapshots, 'DBSnapshotAlreadyExists', `DB snapshot ${final} already exists.`);
      // A final snapshot is taken before the instance goes; the sandbox never fails one.
      const { failAt: _never, ...timing } = this.timing(db.snapshotSeconds);
      r.dbSnapshots.set(final, {
        DBSnapshotIdentifier: final,
        DBInstanceIdentifier: id,
        Engine: db.Engine,
        AllocatedStorage: db.AllocatedStorage,
        TagList: db.CopyTagsToSnapshot ? [...db.TagList] : [],
        SnapshotType: 'manual',
        ...encryptionOf(db),
        ...(db.OptionGroupName ? { OptionGroupName: db.OptionGroupName } : {}),
        ...timing,
      });
      untilMs += timing.durationMs;
    } else if (!input.SkipFinalSnapshot) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
      );
    }
    db.status = 'deleting';
    delete db.statusUntilMs;
    db.lifecycle = { untilMs, next: GONE };
    return { DBInstance: this.rds.dbInstanceView(region, db) };
  }
}

export const rdsRestoreModel = defineModelService({
  name: 'rdsRestore',
  needs: ['rds', 'dbSubnetGroups', 'rdsGroups', 'regions'],
  build: (
    core,
    needs: {
      rds: RdsBackend;
      dbSubnetGroups: RdsSubnetGroupBackend;
      rdsGroups: RdsGroupBackend;
      regions: RegionsBackend;
    },
  ) => new RdsRestoreBackend(core, needs.rds, needs.dbSubnetGroups, needs.rdsGroups, needs.regions),
  operations: ['restoreDBInstanceFromDBSnapshot', 'createDBInstance', 'deleteDBInstance'],
});
