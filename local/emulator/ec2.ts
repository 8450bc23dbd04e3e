/**
 * EC2 on the emulator (EC2's own Query dialect): the actions the drivers and retention call, each
 * answered by the AWS model in the caller's region. Request names (`Filter.1.Value.1`,
 * `TagSpecification.1.Tag.1.Key`, `InstanceId.1`, `Owner.1`) and response names (`reservationSet`,
 * `tagSet`, `<item>`) come from the SDK's schemas in ./query.ts, not from this file.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import type { AwsModel } from '../model';
import { type ActionHandler, queryService } from './query';
import type { ServiceHandler } from './server';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export function ec2Actions(model: AwsModel): Record<string, ActionHandler> {
  return {
    DescribeInstances: (region, input) => model.describeInstances(region, input),
    DescribeVolumes: (region, input) => model.describeVolumes(region, input),
    DescribeSnapshots: (region, input) => model.describeSnapshots(region, input),
    DescribeImages: (region, input) => model.describeImages(region, input),
    CreateSnapshot: (region, input) => model.createSnapshot(region, input),
    CreateSnapshots: (region, input) => model.createSnapshots(region, input),
    DeleteSnapshot: (region, input) => model.deleteSnapshot(region, input),
    CreateImage: (region, input) => model.createImage(region, input),
    DeregisterImage: (region, input) => model.deregisterImage(region, input),
    DisableImage: (region, input) => model.disableImage(region, input),
    DescribeRegions: (region, input) => model.describeRegions(region, input),
    DescribeAccountAttributes: (region, input) => model.describeAccountAttributes(region, input),
    // The SDK adds DestinationRegion and a PresignedUrl for the source region; the model ignores both.
    CopySnapshot: (region, input) => model.copySnapshot(region, input),
    CopyImage: (region, input) => model.copyImage(region, input),
    // Restores (local/model/ec2-restore.ts).
    CreateVolume: (region, input) => model.createVolume(region, input),
    DeleteVolume: (region, input) => model.deleteVolume(region, input),
    RunInstances: (region, input) => model.runInstances(region, input),
    TerminateInstances: (region, input) => model.terminateInstances(region, input),
  };
}

export function ec2Service(model: AwsModel): ServiceHandler {
  return queryService({
    dialect: 'ec2Query',
    namespace: EC2_NAMESPACE,
    sdk: ec2,
    // The decoded input has the SDK's shape, which the model's inputs mirror.
    actions: ec2Actions(model),
  });
}
