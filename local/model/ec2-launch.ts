/**
 * How DescribeInstances shows where and how an instance was launched (placement, image, subnet, groups,
 * client token) and why a failed launch ended: views over the instance model that ec2.ts (describe) and
 * ec2-restore.ts (RunInstances) share, kept apart so neither imports the other.
 */
/** Where RunInstances put an instance, as DescribeInstances shows it. */
export interface LaunchModel {
  ImageId: string;
  AvailabilityZone: string;
  SubnetId?: string;
  SecurityGroupIds: string[];
  clientToken?: string;
}

/** DescribeInstances' placement members: a seeded instance is in the region's first zone. */
export function launchView(region: string, launch: LaunchModel | undefined) {
  return {
    Placement: { AvailabilityZone: launch?.AvailabilityZone ?? `${region}a` },
    ...(launch
      ? {
          ImageId: launch.ImageId,
          ...(launch.SubnetId ? { SubnetId: launch.SubnetId } : {}),
          SecurityGroups: launch.SecurityGroupIds.map((GroupId) => ({ GroupId })),
          ...(launch.clientToken ? { ClientToken: launch.clientToken } : {}),
        }
      : {}),
  };
}

/** DescribeInstances' StateReason of an instance whose launch failed, once it is terminated (as EC2 shows it). */
export function stateReasonView(i: { State?: string; stateReason?: { Code: string; Message: string } }) {
  return i.stateReason && i.State === 'terminated'
    ? { StateReason: { ...i.stateReason }, StateTransitionReason: i.stateReason.Message }
    : {};
}
