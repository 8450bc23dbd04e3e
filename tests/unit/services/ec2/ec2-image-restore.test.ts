/**
 * shared/services/ec2/ec2-image-restore.ts against a mocked EC2: RunInstances of the AMI with the recorded
 * type, subnet and security groups (a drill's win), tags on instance and volumes, ClientToken = restoreId;
 * a retry finds its instance; a Name in use is refused; check (running = AVAILABLE); remove (terminate
 * only what this stack restored).
 */
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { InvalidResourceStateError, NameInUseError, ResourceNotFoundError } from '../../../../shared/errors';
import { ec2ImageRestore } from '../../../../shared/services/ec2/ec2-image-restore';
import { RESTORE_TAG, type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { REGION, restoreContextOf } from '../../../support/unit-fixtures';
import { ec2Error, instanceRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const OWNER = 'BackupPipeline@eu-west-1';
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: ['ami-0abc'],
  name: 'web-restored',
  settings: {
    availabilityZone: 'eu-west-1a',
    instanceType: 'm7g.large',
    subnetId: 'subnet-0src',
    securityGroupIds: ['sg-0src'],
    volumes: [],
  },
  tags: { restoredBy: OWNER, restoreId: 'restore-1', sourceArn: instanceRef().arn, backupId: 'ami-0abc', drill: false },
  ...extra,
});
const reservation = (instance: object) => ({ Reservations: [{ Instances: [instance] }] });

describe('ec2ImageRestore.start', () => {
  it('launches the AMI with the recorded type, subnet and security groups, tagged, idempotent by client token', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // Act
    const started = await ec2ImageRestore.start(request());

    // Assess
    const tags = restoreTags(request().tags, 'web-restored');
    expect(started).toEqual({ restoredIds: ['i-0new'], reused: false });
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      ImageId: 'ami-0abc',
      InstanceType: 'm7g.large',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-0src',
      SecurityGroupIds: ['sg-0src'],
      ClientToken: 'restore-1',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    });
  });

  it("lets a drill's subnet and security groups win", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    await ec2ImageRestore.start(request({ placement: { subnetId: 'subnet-0drill', securityGroupIds: ['sg-0drill'] } }));
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      SubnetId: 'subnet-0drill',
      SecurityGroupIds: ['sg-0drill'],
    });
  });

  it('on a retry finds the instance an earlier attempt launched', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation({ InstanceId: 'i-0earlier' }));
    await expect(ec2ImageRestore.start(request())).resolves.toEqual({ restoredIds: ['i-0earlier'], reused: true });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 0);
  });

  it('refuses a Name a live instance carries, launching nothing', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .callsFake((input: { Filters?: { Name?: string }[] }) =>
        input.Filters?.[0]?.Name === 'tag:Name' ? reservation({ InstanceId: 'i-0prod' }) : { Reservations: [] },
      );
    const error = await ec2ImageRestore.start(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NameInUseError);
    expect((error as Error).message).toContain('i-0prod');
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 0);
  });

  it('maps a subnet the region does not have to ResourceNotFoundError', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).rejects(ec2Error('InvalidSubnetID.NotFound'));
    await expect(ec2ImageRestore.start(request())).rejects.toThrow(ResourceNotFoundError);
  });
});

describe('ec2ImageRestore.check and remove', () => {
  it('reports RESTORING while pending, AVAILABLE with type, state and volume count when running', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(reservation({ InstanceId: 'i-0new', State: { Name: 'pending' } }))
      .resolves(
        reservation({
          InstanceId: 'i-0new',
          InstanceType: 'm7g.large',
          State: { Name: 'running' },
          BlockDeviceMappings: [{ Ebs: { VolumeId: 'v1' } }, { Ebs: { VolumeId: 'v2' } }],
        }),
      );
    await expect(ec2ImageRestore.check(REGION, ['i-0new'])).resolves.toEqual({ status: 'RESTORING', state: 'pending' });
    await expect(ec2ImageRestore.check(REGION, ['i-0new'])).resolves.toEqual({
      status: 'AVAILABLE',
      shape: { instanceId: 'i-0new', instanceType: 'm7g.large', state: 'running', volumeCount: 2 },
    });
  });

  it('terminates only an instance carrying this stack’s restored-by tag, then reports it gone', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves(reservation({ InstanceId: 'i-0new', State: { Name: 'running' }, Tags: [] }));
    await expect(ec2ImageRestore.remove(REGION, ['i-0new'], OWNER)).rejects.toThrow(InvalidResourceStateError);
    expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 0);

    ec2.on(DescribeInstancesCommand).resolves(
      reservation({
        InstanceId: 'i-0new',
        State: { Name: 'running' },
        Tags: [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }],
      }),
    );
    await expect(ec2ImageRestore.remove(REGION, ['i-0new'], OWNER)).resolves.toBe('deleting');
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0new'] });

    // Terminated: no longer among the states asked for; no volume carries the restore-id tag either.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    await expect(ec2ImageRestore.remove(REGION, ['i-0new'], OWNER, restoreContextOf('restore-1'))).resolves.toBe(
      'gone',
    );
  });
});
