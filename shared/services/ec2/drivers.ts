/** EC2's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { ebsVolumeDriver } from './ebs-volume';
import { ebsVolumeRestore } from './ebs-volume-restore';
import { ec2ImageRestore } from './ec2-image-restore';
import { ec2InstanceDriver } from './ec2-instance';
import { ec2SnapshotSetRestore } from './ec2-snapshot-set-restore';

export const ec2Drivers: readonly ResourceDriver[] = [ec2InstanceDriver, ebsVolumeDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const ec2RestoreDrivers: readonly RestoreDriver[] = [ebsVolumeRestore, ec2SnapshotSetRestore, ec2ImageRestore];
