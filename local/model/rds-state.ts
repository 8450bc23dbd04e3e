/**
 * RDS's model state: DB instances and clusters and their snapshots as the model keeps them. Data shapes
 * only, shared by rds.ts, rds-aurora.ts and the restore modules.
 */
import type { CopySource, Tag, Timed } from './core';
import type { Lifecycle } from './lifecycle';

/** DB instance / cluster statuses the model plays (RDS has more; these are the ones scenarios need). */
export type RdsStatus =
  | 'creating'
  | 'available'
  | 'stopped'
  | 'stopping'
  | 'starting'
  | 'modifying'
  | 'rebooting'
  | 'upgrading'
  | 'maintenance'
  | 'configuring-enhanced-monitoring'
  | 'storage-optimization'
  | 'deleting'
  | 'failed'
  | 'incompatible-parameters';

export interface DbInstanceModel {
  DBInstanceIdentifier: string;
  Engine: string;
  DBInstanceClass: string;
  AllocatedStorage: number;
  /** RDS's DBInstanceStatus (available, stopped, modifying, rebooting, upgrading, configuring-*, failed, ...). */
  status: RdsStatus;
  /** Model time (ms) at which a transient `status` ends and the instance is `available` again. */
  statusUntilMs?: number;
  TagList: Tag[];
  /**
   * RDS copies the instance's tags to a snapshot only when this is set AND CreateDBSnapshot passes no
   * Tags of its own (then it copies none).
   */
  CopyTagsToSnapshot?: boolean;
  DBClusterIdentifier?: string;
  /** Storage encryption (the RDS default); a cross-region copy of its snapshots then needs a key. */
  StorageEncrypted?: boolean;
  snapshotSeconds: number;
  /** Placement: its subnet group (default `default`) and VPC security groups (default: the region's default). */
  DBSubnetGroupName?: string;
  VpcSecurityGroupIds?: string[];
  AvailabilityZone?: string;
  MultiAZ?: boolean;
  PubliclyAccessible?: boolean;
  KmsKeyId?: string;
  /** Its DB parameter and option groups (rds-groups.ts; unset: the engine's defaults). */
  DBParameterGroupName?: string;
  OptionGroupName?: string;
  /** DeleteDBInstance (rds-restore.ts): `deleting`, then gone. */
  lifecycle?: Lifecycle;
}

export interface DbSnapshotModel extends Timed {
  DBSnapshotIdentifier: string;
  DBInstanceIdentifier: string;
  Engine: string;
  AllocatedStorage: number;
  TagList: Tag[];
  SnapshotType: 'manual' | 'automated';
  /** As its instance's storage was (absent: encrypted); a copy under a KmsKeyId is encrypted. */
  Encrypted?: boolean;
  KmsKeyId?: string;
  /** Its instance's option group, or the one a copy named (rds-groups.ts; unset: the engine's default). */
  OptionGroupName?: string;
  /** Set on a CopyDBSnapshot copy (id: the source snapshot's identifier in its region). */
  copiedFrom?: CopySource;
}

/** An Aurora DB cluster: its members are DB instances carrying DBClusterIdentifier. */
export interface DbClusterModel {
  DBClusterIdentifier: string;
  Engine: string;
  /** Cluster volume size (GiB) the snapshot time is drawn from; Aurora reports AllocatedStorage 1. */
  volumeGiB: number;
  status: RdsStatus;
  /** Model time (ms) at which a transient `status` ends and the cluster is `available` again. */
  statusUntilMs?: number;
  TagList: Tag[];
  /** As for instances: the cluster's tags are copied only when set and the create passes no Tags. */
  CopyTagsToSnapshot?: boolean;
  memberIds: string[];
  snapshotSeconds: number;
  DBSubnetGroupName?: string;
  VpcSecurityGroupIds?: string[];
  /** Storage encryption (absent: encrypted); its members and snapshots are as it is. */
  StorageEncrypted?: boolean;
  KmsKeyId?: string;
  /** Its DB cluster parameter group (rds-groups.ts; unset: the engine's default). */
  DBClusterParameterGroupName?: string;
  /** DeleteDBCluster (rds-aurora-restore.ts): `deleting`, then gone. */
  lifecycle?: Lifecycle;
}

export interface DbClusterSnapshotModel extends Timed {
  DBClusterSnapshotIdentifier: string;
  DBClusterIdentifier: string;
  Engine: string;
  volumeGiB: number;
  TagList: Tag[];
  SnapshotType: 'manual' | 'automated';
  /** As its cluster's storage was (absent: encrypted). */
  Encrypted?: boolean;
  KmsKeyId?: string;
  /** Set on a CopyDBClusterSnapshot copy. */
  copiedFrom?: CopySource;
}
