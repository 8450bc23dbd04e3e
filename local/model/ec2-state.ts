/**
 * EC2's model state: instances, volumes, snapshots and images as the model keeps them, and a region's
 * whole state. Data shapes only, shared by ec2.ts, ec2-images.ts and ec2-restore.ts.
 */
import type { CopySource, Tag, Timed } from './core';
import type { LaunchModel } from './ec2-launch';
import type { Lifecycle } from './lifecycle';

export interface InstanceModel {
  InstanceId: string;
  State: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  InstanceType: string;
  Tags: Tag[];
  volumeIds: string[];
  /** RunInstances (ec2-restore.ts): its AMI, subnet, zone, security groups and ClientToken. */
  launch?: LaunchModel;
  /** Why a launch ended (a volume's key refused: `Client.InternalError`), shown once it is terminated. */
  stateReason?: { Code: string; Message: string };
  lifecycle?: Lifecycle;
}

export interface VolumeModel {
  VolumeId: string;
  Size: number;
  VolumeType: string;
  AvailabilityZone: string;
  Tags: Tag[];
  State: 'creating' | 'available' | 'in-use' | 'deleting' | 'error';
  attachedTo?: string;
  /** The attachment's DeleteOnTermination (else the volume is left `available` at termination): ec2-restore.ts. */
  deleteOnTermination?: boolean;
  /** CreateVolume from a snapshot (ec2-restore.ts): as the snapshot's; seeded volumes are encrypted. */
  Encrypted?: boolean;
  KmsKeyId?: string;
  Iops?: number;
  Throughput?: number;
  SnapshotId?: string;
  clientToken?: string;
  lifecycle?: Lifecycle;
  /** Seconds a full snapshot of this volume takes (drawn from size when the fleet is built). */
  snapshotSeconds: number;
}

export interface SnapshotModel extends Timed {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Description: string;
  Tags: Tag[];
  OwnerId: string;
  Encrypted: boolean;
  /** The key ARN a copy was encrypted with (fresh snapshots leave it out). */
  KmsKeyId?: string;
  /** Set on a CopySnapshot copy: copies in progress count against the destination's copy limit. */
  copiedFrom?: CopySource;
  /** Pre-existing snapshots (seeded history) may be complete from the start. */
}

/**
 * An AMI: registered over EBS snapshots. Its state follows them (`pending` while any is, `failed` when
 * one fails, else `available`), as CreateImage's does in AWS.
 */
export interface ImageModel {
  ImageId: string;
  Name: string;
  snapshotIds: string[];
  /** Each block device's DeleteOnTermination (CreateImage: the instance's; absent: the root's only). */
  deleteOnTermination?: boolean[];
  Tags: Tag[];
  Description?: string;
  /** Another account's image shared with this one is not `self`; default: this account. */
  OwnerId?: string;
  /** When it was registered, model time (default: when added). */
  creationMs?: number;
  /** CreateImage: the instance imaged, whether NoReboot was asked and whether the instance was rebooted. */
  sourceInstanceId?: string;
  noReboot?: boolean;
  rebooted?: boolean;
  /** CopyImage's idempotency token. */
  clientToken?: string;
  /** DisableImage: state `disabled`, left out of DescribeImages unless IncludeDisabled (as AWS). */
  disabled?: boolean;
}

/** EC2's per-region state: instances, volumes, snapshots, AMIs, and when each volume was last snapshotted. */
export interface Ec2RegionState {
  instances: Map<string, InstanceModel>;
  volumes: Map<string, VolumeModel>;
  snapshots: Map<string, SnapshotModel>;
  images: Map<string, ImageModel>;
  lastSnapshotAtByVolume: Map<string, number>;
  /** Snapshots (and copies) still pending: the pending-snapshot and copy limits count these, not every snapshot. */
  pending: PendingIndex;
}

/**
 * The region's pending snapshots, indexed: a snapshot's end (completed or failed) is known when it starts
 * and time only moves on, so the index drops them in end order. A 10,000-resource run asks these limits
 * tens of thousands of times against thousands of pending snapshots; a scan per call dominated its wall time.
 */
export interface PendingIndex {
  /** Latest end first: the next to end is last. */
  byEnd: { endMs: number; id: string; volumeId: string; copy: boolean }[];
  ids: Set<string>;
  perVolume: Map<string, number>;
  copies: number;
}
