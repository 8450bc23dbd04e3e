/** EC2's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import { ebsVolumeDriver } from './ebs-volume';
import { ec2InstanceDriver } from './ec2-instance';

export const ec2Drivers: readonly ResourceDriver[] = [ec2InstanceDriver, ebsVolumeDriver];
