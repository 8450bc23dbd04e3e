/** EC2's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { ebsVolumeDriver } from './ebs-volume';
import { ebsVolumeRestore } from './ebs-volume-restore';
import { ec2InstanceDriver } from './ec2-instance';

export const ec2Drivers: readonly ResourceDriver[] = [ec2InstanceDriver, ebsVolumeDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const ec2RestoreDrivers: readonly RestoreDriver[] = [ebsVolumeRestore];
