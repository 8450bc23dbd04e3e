/**
 * The emulator's EC2 restores, through the real EC2Client: CreateVolume from a snapshot (zone, type,
 * IOPS, throughput, size, tags, ClientToken, the snapshot's encryption and key) `creating` → `available`
 * on the model's clock, DeleteVolume `deleting` → gone, RunInstances from an AMI `pending` → `running`
 * with volumes from the AMI's snapshots, TerminateInstances `shutting-down` → `terminated` taking them
 * along, and each refusal with EC2's code.
 */
import {
  CreateImageCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const emu = useEmulator((config) => new EC2Client(config));
const { model, advance } = emu;
const REGION = EMULATOR_REGION;
const failure = (call: Promise<unknown>) => serviceFailure(call, EC2ServiceException, 'an EC2');

/** A completed snapshot of a 100 GiB volume, encrypted with a DR key. */
function completedSnapshot(extra: { KmsKeyId?: string; Encrypted?: boolean } = {}) {
  const volume = model.addVolume(REGION, { Size: 100 });
  return model.addExistingSnapshot(REGION, {
    VolumeId: volume.VolumeId,
    VolumeSize: 100,
    startMs: emu.now().getTime() - 3_600_000,
    ...extra,
  });
}

const restoreTags = [
  { Key: 'Name', Value: 'restored-data' },
  { Key: 'backup-pipeline:restore-id', Value: 'restore-1' },
];

describe('EC2 CreateVolume from a snapshot', () => {
  it('makes a creating volume with the snapshot encryption and key, available after simulated time', async () => {
    // Prepare
    // A customer managed key of the region, usable (EBS refuses a key that is missing, disabled or not the caller's).
    const keyArn = model.addKmsKey(REGION, { alias: 'restore-data' }).Arn;
    const snapshot = completedSnapshot({ KmsKeyId: keyArn });

    // Act
    const created = await emu.client().send(
      new CreateVolumeCommand({
        SnapshotId: snapshot.SnapshotId,
        AvailabilityZone: 'eu-west-1b',
        VolumeType: 'gp3',
        Iops: 4000,
        Throughput: 250,
        TagSpecifications: [{ ResourceType: 'volume', Tags: restoreTags }],
        ClientToken: 'token-1',
      }),
    );
    const byTag = () =>
      emu.client().send(
        new DescribeVolumesCommand({
          Filters: [
            { Name: 'tag:backup-pipeline:restore-id', Values: ['restore-1'] },
            { Name: 'status', Values: ['creating', 'available'] },
          ],
        }),
      );
    const first = await byTag();
    advance(600);
    const later = await byTag();

    // Assess
    expect(created).toMatchObject({ State: 'creating', Size: 100, Encrypted: true, KmsKeyId: keyArn });
    expect(first.Volumes).toEqual([
      expect.objectContaining({
        VolumeId: created.VolumeId,
        State: 'creating',
        AvailabilityZone: 'eu-west-1b',
        VolumeType: 'gp3',
        Iops: 4000,
        Throughput: 250,
        SnapshotId: snapshot.SnapshotId,
        Tags: restoreTags,
      }),
    ]);
    expect(later.Volumes?.map((v) => v.State)).toEqual(['available']);
  });

  it('returns the volume an earlier call made for the same ClientToken', async () => {
    // Prepare
    const snapshot = completedSnapshot();
    const input = { SnapshotId: snapshot.SnapshotId, AvailabilityZone: 'eu-west-1a', ClientToken: 'token-2' };
    const first = await emu.client().send(new CreateVolumeCommand(input));

    // Act
    const again = await emu.client().send(new CreateVolumeCommand(input));

    // Assess
    expect(again.VolumeId).toBe(first.VolumeId);
  });

  it('takes a Name tag of 256 Unicode characters, and refuses 257 (InvalidParameterValue)', async () => {
    // Prepare
    const snapshot = completedSnapshot();
    const named = (Value: string) =>
      new CreateVolumeCommand({
        SnapshotId: snapshot.SnapshotId,
        AvailabilityZone: 'eu-west-1a',
        TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value }] }],
      });

    // Act
    const taken = await emu.client().send(named('é'.repeat(256)));
    const refused = await failure(emu.client().send(named('v'.repeat(257))));

    // Assess
    expect(taken.Tags?.[0]?.Value).toHaveLength(256);
    expect(refused.name).toBe('InvalidParameterValue');
  });

  it('makes an unencrypted volume of an unencrypted snapshot, as large as asked', async () => {
    // Prepare
    const snapshot = completedSnapshot({ Encrypted: false });

    // Act
    const created = await emu
      .client()
      .send(new CreateVolumeCommand({ SnapshotId: snapshot.SnapshotId, AvailabilityZone: 'eu-west-1a', Size: 150 }));

    // Assess
    expect([created.Encrypted, created.KmsKeyId, created.Size]).toEqual([false, undefined, 150]);
  });

  it('refuses a snapshot still pending (IncorrectState), an unknown one and a size below the snapshot', async () => {
    // Prepare
    const pending = model.createSnapshot(REGION, { VolumeId: model.addVolume(REGION, { Size: 500 }).VolumeId });
    const snapshot = completedSnapshot();
    const create = (SnapshotId: string, Size?: number) =>
      failure(emu.client().send(new CreateVolumeCommand({ SnapshotId, AvailabilityZone: 'eu-west-1a', Size })));

    // Act
    const errors = await Promise.all([
      create(pending.SnapshotId),
      create('snap-0123456789abcdef0'),
      create(snapshot.SnapshotId, 50),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual(['IncorrectState', 'InvalidSnapshot.NotFound', 'InvalidParameterValue']);
  });
});

describe('EC2 DeleteVolume', () => {
  it('takes an available volume through deleting to gone', async () => {
    // Prepare
    const snapshot = completedSnapshot();
    const { VolumeId } = await emu
      .client()
      .send(new CreateVolumeCommand({ SnapshotId: snapshot.SnapshotId, AvailabilityZone: 'eu-west-1a' }));
    advance(600);

    // Act
    await emu.client().send(new DeleteVolumeCommand({ VolumeId }));
    const during = await emu.client().send(new DescribeVolumesCommand({ VolumeIds: [VolumeId ?? ''] }));
    advance(60);
    const after = await failure(emu.client().send(new DescribeVolumesCommand({ VolumeIds: [VolumeId ?? ''] })));

    // Assess
    expect(during.Volumes?.[0]?.State).toBe('deleting');
    expect(after.name).toBe('InvalidVolume.NotFound');
  });

  it('refuses an attached volume with VolumeInUse and an unknown one with InvalidVolume.NotFound', async () => {
    // Prepare
    const instance = model.addInstance(REGION, { volumes: [{ Size: 8 }] });

    // Act
    const inUse = await failure(emu.client().send(new DeleteVolumeCommand({ VolumeId: instance.volumeIds[0] })));
    const unknown = await failure(emu.client().send(new DeleteVolumeCommand({ VolumeId: 'vol-0123456789abcdef0' })));

    // Assess
    expect([inUse.name, unknown.name]).toEqual(['VolumeInUse', 'InvalidVolume.NotFound']);
  });

  it('refuses a volume still creating with IncorrectState, and deletes it once available', async () => {
    // Prepare
    const snapshot = completedSnapshot();
    const { VolumeId } = await emu
      .client()
      .send(new CreateVolumeCommand({ SnapshotId: snapshot.SnapshotId, AvailabilityZone: 'eu-west-1a' }));

    // Act
    const creating = await failure(emu.client().send(new DeleteVolumeCommand({ VolumeId })));
    advance(600);
    await emu.client().send(new DeleteVolumeCommand({ VolumeId }));

    // Assess
    expect(creating.name).toBe('IncorrectState');
  });
});

describe('EC2 DescribeVolumes of several ids', () => {
  it('fails the whole call with InvalidVolume.NotFound when one of them is gone, where a volume-id filter answers the rest', async () => {
    // Prepare
    const kept = model.addVolume(REGION, { Size: 8 });
    const gone = 'vol-0123456789abcdef0';

    // Act
    const byIds = await failure(emu.client().send(new DescribeVolumesCommand({ VolumeIds: [kept.VolumeId, gone] })));
    const byFilter = await emu
      .client()
      .send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: [kept.VolumeId, gone] }] }));

    // Assess
    expect(byIds.name).toBe('InvalidVolume.NotFound');
    expect(byFilter.Volumes?.map((v) => v.VolumeId)).toEqual([kept.VolumeId]);
  });
});

describe("An AMI's block devices: DeleteOnTermination as the instance had it", () => {
  const tagged = (Value: string) => [{ Key: 'backup-pipeline:restore-id', Value }];
  /** CreateImage of an instance (root and a data volume), the image then available. */
  async function imageOf(dataDeleteOnTermination?: boolean) {
    const instance = model.addInstance(REGION, {
      volumes: [
        { Size: 30 },
        {
          Size: 50,
          ...(dataDeleteOnTermination !== undefined ? { deleteOnTermination: dataDeleteOnTermination } : {}),
        },
      ],
    });
    const { ImageId } = await emu
      .client()
      .send(new CreateImageCommand({ InstanceId: instance.InstanceId, Name: `image-${instance.InstanceId}` }));
    advance(3 * 3600);
    return ImageId ?? '';
  }
  async function launchAndTerminate(imageId: string, restoreId: string) {
    const launched = await emu.client().send(
      new RunInstancesCommand({
        ImageId: imageId,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'volume', Tags: tagged(restoreId) }],
      }),
    );
    advance(120);
    await emu
      .client()
      .send(new TerminateInstancesCommand({ InstanceIds: [launched.Instances?.[0]?.InstanceId ?? ''] }));
    advance(600);
    const left = await emu
      .client()
      .send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:backup-pipeline:restore-id', Values: [restoreId] }] }));
    return left.Volumes ?? [];
  }

  it('records the root as deleted on termination and a data volume attached after launch as preserved', async () => {
    // Prepare
    const imageId = await imageOf();

    // Act
    const described = await emu.client().send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const left = await launchAndTerminate(imageId, 'ami-default');

    // Assess
    expect(described.Images?.[0]?.BlockDeviceMappings?.map((m) => m.Ebs?.DeleteOnTermination)).toEqual([true, false]);
    expect(left.map((v) => [v.Size, v.State, v.Attachments])).toEqual([[50, 'available', []]]);
    expect(left[0]?.Tags).toEqual(tagged('ami-default'));
  });

  it("keeps a data volume's DeleteOnTermination true when the instance had it so: nothing is left", async () => {
    // Prepare
    const imageId = await imageOf(true);

    // Act
    const left = await launchAndTerminate(imageId, 'ami-delete');

    // Assess
    expect(left).toEqual([]);
  });

  it('shows each attached volume’s DeleteOnTermination on the instance', async () => {
    // Prepare
    const instance = model.addInstance(REGION, {
      volumes: [{ Size: 8 }, { Size: 9 }, { Size: 10, deleteOnTermination: true }],
    });

    // Act
    const out = await emu.client().send(new DescribeInstancesCommand({ InstanceIds: [instance.InstanceId] }));

    // Assess
    const mappings = out.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings ?? [];
    expect(mappings.map((m) => m.Ebs?.DeleteOnTermination)).toEqual([true, false, true]);
  });
});

describe('EC2 RunInstances and TerminateInstances', () => {
  function availableImage() {
    const ids = [20, 100].map((size) => {
      const volume = model.addVolume(REGION, { Size: size });
      return model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        VolumeSize: size,
        startMs: emu.now().getTime() - 60_000,
      }).SnapshotId;
    });
    return model.addImage(REGION, { Name: `image-${ids[0]}`, snapshotIds: ids, Tags: [] });
  }

  it('launches a pending instance that runs after simulated time, with a volume per AMI snapshot', async () => {
    // Prepare
    const image = availableImage();

    // Act
    const launched = await emu.client().send(
      new RunInstancesCommand({
        ImageId: image.ImageId,
        InstanceType: 't3.small',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: 'subnet-0a1b2c3d4e5f60718',
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
        TagSpecifications: [
          { ResourceType: 'instance', Tags: restoreTags },
          { ResourceType: 'volume', Tags: restoreTags },
        ],
        ClientToken: 'launch-1',
      }),
    );
    const instanceId = launched.Instances?.[0]?.InstanceId ?? '';
    const again = await emu
      .client()
      .send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1, ClientToken: 'launch-1' }));
    const describe = () => emu.client().send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const first = await describe();
    advance(120);
    const later = await describe();
    const volumes = await emu
      .client()
      .send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }));

    // Assess
    expect(again.Instances?.[0]?.InstanceId).toBe(instanceId);
    expect(first.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      State: { Name: 'pending' },
      InstanceType: 't3.small',
      ImageId: image.ImageId,
      SubnetId: 'subnet-0a1b2c3d4e5f60718',
      SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }],
      Placement: { AvailabilityZone: 'eu-west-1a' },
      Tags: restoreTags,
    });
    expect(later.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('running');
    expect(volumes.Volumes?.map((v) => [v.Size, v.State, v.Tags])).toEqual([
      [20, 'in-use', restoreTags],
      [100, 'in-use', restoreTags],
    ]);
  });

  it('terminates an instance through shutting-down, its root volume deleted with it', async () => {
    // Prepare
    const image = availableImage();
    const launched = await emu
      .client()
      .send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1 }));
    const instanceId = launched.Instances?.[0]?.InstanceId ?? '';
    const volumeIds = model.services.ec2.region(REGION).instances.get(instanceId)?.volumeIds ?? [];
    advance(120);

    // Act
    const terminating = await emu.client().send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    advance(600);
    const after = await emu.client().send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const volumes = await failure(emu.client().send(new DescribeVolumesCommand({ VolumeIds: volumeIds })));

    // Assess
    expect(terminating.TerminatingInstances?.[0]).toMatchObject({
      PreviousState: { Name: 'running' },
      CurrentState: { Name: 'shutting-down' },
    });
    expect(after.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('terminated');
    expect(volumes.name).toBe('InvalidVolume.NotFound');
  });

  it('terminates an instance still pending', async () => {
    // Prepare
    const image = availableImage();
    const launched = await emu
      .client()
      .send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1 }));

    // Act
    const terminating = await emu
      .client()
      .send(new TerminateInstancesCommand({ InstanceIds: [launched.Instances?.[0]?.InstanceId ?? ''] }));

    // Assess
    expect(terminating.TerminatingInstances?.[0]).toMatchObject({
      PreviousState: { Name: 'pending' },
      CurrentState: { Name: 'shutting-down' },
    });
  });

  it('refuses an unknown AMI, one still pending, and an unknown instance to terminate', async () => {
    // Prepare
    const instance = model.addInstance(REGION, { volumes: [{ Size: 30 }] });
    const { ImageId: pendingImage } = model.createImage(REGION, { InstanceId: instance.InstanceId, Name: 'pending' });
    const run = (ImageId: string) =>
      failure(emu.client().send(new RunInstancesCommand({ ImageId, MinCount: 1, MaxCount: 1 })));

    // Act
    const unknown = await run('ami-0123456789abcdef0');
    const pending = await run(pendingImage);
    const terminate = await failure(
      emu.client().send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );

    // Assess
    expect([unknown.name, pending.name, terminate.name]).toEqual([
      'InvalidAMIID.NotFound',
      'InvalidAMIID.Unavailable',
      'InvalidInstanceID.NotFound',
    ]);
  });
});
