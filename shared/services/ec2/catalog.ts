/**
 * EC2's part of the catalog (../catalog.ts): instances and volumes, their ARNs and labels, the
 * instance's modes, the EBS snapshot price, the backup kinds this folder's stores hold, the placement its
 * restores read, the error codes EC2 answers with and the runbook's steps for its causes. Data only:
 * read at module load by shared/resource.ts and shared/errors.ts.
 */
import { z } from 'zod';
import type { ServiceCatalog } from '../catalog-types';
import { EC2_IMPLIED_ACTIONS, EC2_PERMISSIONS } from './permissions';

const EBS_SNAPSHOT_PRICE = { backup: 'EBS snapshot', usdPerGbMonth: 0.05 };

export const ec2Catalog = {
  service: 'ec2',
  types: [
    {
      type: 'ec2-instance',
      arn: { service: 'ec2', prefix: 'instance/', resource: /^instance\/(i-[0-9a-f]{8,17})$/ },
      label: 'EC2 instances',
      countLabel: 'instances',
      // Crash-consistent EBS snapshots of every attached volume (default), or an AMI, with or without reboot.
      modes: ['snapshots', 'ami', 'ami-reboot'],
      storagePrice: EBS_SNAPSHOT_PRICE,
      // An AMI's restore launches an instance: into the drill's subnet, behind its security groups.
      isolatedBy: ['subnetId', 'securityGroupIds'],
      // An application's instances come up after the databases they use (../catalog.ts restoreWave).
      restoreWave: 2,
    },
    {
      type: 'ebs-volume',
      arn: { service: 'ec2', prefix: 'volume/', resource: /^volume\/(vol-[0-9a-f]{8,17})$/ },
      label: 'EBS volumes',
      // The type backs up volumes of their own: an instance's attached volumes are in its backup.
      countLabel: 'standalone volumes',
      storagePrice: EBS_SNAPSHOT_PRICE,
      // With the instances: a data volume is attached to what the later wave restores.
      restoreWave: 2,
    },
  ],
  backupKinds: ['ebs-snapshot', 'ec2-image'],
  // "Request throttling for the Amazon EC2 API" (ec2/latest/devguide/ec2-api-throttling): per account and
  // region, the creates' bucket refills 5 a second (DeleteSnapshot draws from it too, paced by retention),
  // the non-mutating actions' 20.
  apiRateBuckets: [
    {
      calls: 'EC2 creates',
      operations: /^Create(Snapshot|Snapshots|Image)$/,
      refillPerSecond: 5,
      arrive: 'start',
      begins: 'snapshots',
      sharedWith: 'every other CreateSnapshot caller in the account',
      quota: 'the EC2 API quota',
    },
    { calls: 'EC2 describes', operations: /^Describe/, refillPerSecond: 20, arrive: 'spread' },
  ],
  // Where a restored volume or instance goes in its region: a drill's isolated subnet and security groups.
  placement: {
    /** The zone a restored volume, or an AMI's instance, is created in (else the source's, in its region). */
    availabilityZone: z.string().min(1).optional(),
    /** The subnet an AMI's instance launches into. */
    subnetId: z.string().min(1).optional(),
    /** The security groups an AMI's instance is launched behind. */
    securityGroupIds: z.array(z.string().min(1)).min(1).optional(),
  },
  // CopySnapshot/CopyImage under the copyTo key; CreateVolume and RunInstances under a snapshot's key.
  keyUse: { copies: true, restores: true },
  errorCodes: {
    throttling: ['RequestLimitExceeded', 'SnapshotCreationPerVolumeRateExceeded'],
    limits: ['ResourceLimitExceeded', 'PendingSnapshotLimitExceeded', 'ConcurrentSnapshotLimitExceeded'],
    /**
     * SnapshotLimitExceeded is the account's total of EBS snapshots in a region (not the pending ones):
     * it does not pass by waiting, so it is a quota like RDS's 100 manual snapshots.
     */
    quotas: ['SnapshotLimitExceeded'],
    notFound: [
      'InvalidInstanceID.NotFound',
      'InvalidInstanceID.Malformed',
      'InvalidVolume.NotFound',
      'InvalidVolumeID.Malformed',
      'InvalidSnapshot.NotFound',
      'InvalidAMIID.NotFound',
      'InvalidAMIID.Malformed',
      // A restore naming a subnet or security group the region does not have (a DR region, a drill's).
      'InvalidSubnetID.NotFound',
      'InvalidGroup.NotFound',
    ],
    invalidState: [
      'IncorrectState',
      'IncorrectInstanceState',
      'InvalidVolume.ZoneMismatch',
      'InvalidSnapshot.InUse',
      'InvalidAMIID.Unavailable',
    ],
  },
  runbook: [
    {
      error: 'QuotaExceededError',
      reason: /SnapshotLimitExceeded/,
      next: 'delete unneeded EBS snapshots, or ask AWS for a higher "Snapshots per Region" quota',
      section: 'A backup failed',
    },
  ],
  permissions: EC2_PERMISSIONS,
  impliedActions: EC2_IMPLIED_ACTIONS,
} as const satisfies ServiceCatalog;

export function ec2InstanceArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:ec2:${region}:${accountId}:instance/${id}`;
}

export function ebsVolumeArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:ec2:${region}:${accountId}:volume/${id}`;
}
