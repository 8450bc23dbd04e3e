/**
 * The emulator's EC2 wire protocol, through the real EC2Client: every EC2 action the model answers,
 * with tags and tag filters, SDK paginators across pages, regions, snapshot progress on a moving
 * clock, AMI snapshot filters, and AWS errors surfacing with the names (and statuses) the SDK gives
 * for AWS itself, each one known to shared/errors.ts where the ASL relies on it.
 */
import {
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { toPipelineError } from '../../../shared/errors';

const REGION = 'eu-west-1';
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
const clients: EC2Client[] = [];
const ec2 = (region = REGION) => {
  const client = new EC2Client({
    region,
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.close();
});

/** The SDK's exception for a call expected to fail. */
async function failure(call: Promise<unknown>): Promise<EC2ServiceException> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EC2ServiceException)) throw new Error(`expected an EC2 service error, got ${String(error)}`);
  return error;
}

/** The pipeline error the ASL would see for an SDK error of this name alone (Code aside). */
const pipelineNameOf = (name: string) => toPipelineError(Object.assign(new Error('x'), { name }), 'test').name;

describe('EC2 DescribeInstances over the wire', () => {
  it('returns reservations, block devices and tags as the model holds them, selected by tag and state filters', async () => {
    // Prepare
    const tagged = model.addInstance(REGION, {
      Tags: [
        { Key: 'backup', Value: 'true' },
        { Key: 'Name', Value: 'web 1' },
      ],
      volumes: [{ Size: 8 }, { Size: 100 }],
    });
    model.addInstance(REGION, { Tags: [{ Key: 'backup', Value: 'false' }], volumes: [{ Size: 8 }] });
    model.addInstance(REGION, { State: 'terminated', Tags: [{ Key: 'backup', Value: 'true' }], volumes: [] });

    // Act
    const out = await ec2().send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:backup', Values: ['true'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopped'] },
        ],
      }),
    );

    // Assess
    const instances = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    expect(instances.map((i) => i.InstanceId)).toEqual([tagged.InstanceId]);
    expect(out.Reservations?.[0]?.OwnerId).toBe(model.accountId);
    expect(instances[0]?.State).toEqual({ Code: 16, Name: 'running' });
    expect(instances[0]?.Tags).toEqual(tagged.Tags);
    expect(instances[0]?.BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId)).toEqual(tagged.volumeIds);
    expect(instances[0]?.BlockDeviceMappings?.[0]?.Ebs?.DeleteOnTermination).toBe(true);
    expect(out.Reservations).toEqual(
      model.describeInstances(REGION, { InstanceIds: [tagged.InstanceId] }).Reservations,
    );
  });

  it('pages with MaxResults and NextToken through the SDK paginator', async () => {
    // Prepare
    const region = 'ap-southeast-2';
    const ids = Array.from(
      { length: 5 },
      () => model.addInstance(region, { Tags: [{ Key: 'fleet', Value: 'paged' }], volumes: [{ Size: 8 }] }).InstanceId,
    );

    // Act
    const pages = [];
    for await (const page of paginateDescribeInstances(
      { client: ec2(region), pageSize: 2 },
      { Filters: [{ Name: 'tag:fleet', Values: ['paged'] }] },
    ))
      pages.push(page);

    // Assess
    expect(pages.map((p) => p.Reservations?.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceId)))).toEqual(ids);
    expect(pages.at(-1)?.NextToken).toBeUndefined();
  });

  it('keeps regions apart: an instance in us-west-2 is not visible from eu-west-1', async () => {
    // Prepare
    const west = model.addInstance('us-west-2', { volumes: [{ Size: 8 }] });

    // Act
    const fromWest = await ec2('us-west-2').send(new DescribeInstancesCommand({ InstanceIds: [west.InstanceId] }));
    const fromIreland = await failure(ec2().send(new DescribeInstancesCommand({ InstanceIds: [west.InstanceId] })));

    // Assess
    expect(fromWest.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(west.InstanceId);
    expect(fromIreland.name).toBe('InvalidInstanceID.NotFound');
  });
});

describe('EC2 volumes, snapshots and images over the wire', () => {
  it('describes volumes with attachments, filtered by attachment.instance-id, across pages', async () => {
    // Prepare
    const region = 'ca-central-1';
    const instance = model.addInstance(region, { volumes: [{ Size: 8 }, { Size: 16 }, { Size: 32 }] });
    model.addVolume(region, { Size: 50, Tags: [{ Key: 'Name', Value: 'loose' }] });

    // Act
    const pages = [];
    for await (const page of paginateDescribeVolumes(
      { client: ec2(region), pageSize: 2 },
      { Filters: [{ Name: 'attachment.instance-id', Values: [instance.InstanceId] }] },
    ))
      pages.push(page);
    const loose = await ec2(region).send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'tag:Name', Values: ['lo*'] }] }),
    );

    // Assess
    expect(pages).toHaveLength(2);
    const volumes = pages.flatMap((p) => p.Volumes ?? []);
    expect(volumes.map((v) => [v.VolumeId, v.Size, v.State])).toEqual(
      instance.volumeIds.map((id, n) => [id, [8, 16, 32][n], 'in-use']),
    );
    expect(volumes[0]?.Attachments?.[0]).toMatchObject({ InstanceId: instance.InstanceId, State: 'attached' });
    expect(loose.Volumes?.map((v) => [v.Size, v.Attachments, v.Encrypted])).toEqual([[50, [], true]]);
  });

  it('creates crash-consistent snapshots with tags, finds them by tag filter, and reports progress until completed', async () => {
    // Prepare
    const instance = model.addInstance(REGION, {
      volumes: [
        { Size: 8, snapshotSeconds: 100, Tags: [{ Key: 'team', Value: 'web' }] },
        { Size: 64, snapshotSeconds: 100 },
      ],
    });
    const client = ec2();
    const byRunTag = new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:backup-pipeline:run-id', Values: ['run-progress'] }],
    });

    // Act
    const created = await client.send(
      new CreateSnapshotsCommand({
        InstanceSpecification: { InstanceId: instance.InstanceId, ExcludeBootVolume: false },
        Description: 'nightly',
        CopyTagsFromSource: 'volume',
        TagSpecifications: [
          { ResourceType: 'snapshot', Tags: [{ Key: 'backup-pipeline:run-id', Value: 'run-progress' }] },
        ],
      }),
    );
    const atStart = await client.send(byRunTag);
    advance(50);
    const midway = await client.send(byRunTag);
    advance(100);
    const done = await client.send(byRunTag);

    // Assess
    expect(created.Snapshots?.map((s) => [s.VolumeId, s.State, s.Progress, s.StartTime])).toEqual(
      instance.volumeIds.map((id) => [id, 'pending', '0%', created.Snapshots?.[0]?.StartTime]),
    );
    expect(created.Snapshots?.[0]?.StartTime).toBeInstanceOf(Date);
    expect(created.Snapshots?.[0]?.Tags).toEqual([
      { Key: 'team', Value: 'web' },
      { Key: 'backup-pipeline:run-id', Value: 'run-progress' },
    ]);
    expect(atStart.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual(
      created.Snapshots?.map((s) => s.SnapshotId).sort(),
    );
    expect(atStart.Snapshots?.map((s) => s.Progress)).toEqual(['0%', '0%']);
    for (const s of midway.Snapshots ?? []) {
      expect(s.State).toBe('pending');
      expect(s.Progress).toMatch(/^\d{1,2}%$/);
      expect(Number.parseInt(s.Progress ?? '', 10)).toBeGreaterThan(30);
    }
    expect(done.Snapshots?.map((s) => [s.State, s.Progress])).toEqual([
      ['completed', '100%'],
      ['completed', '100%'],
    ]);
    // Lossless: what the SDK parsed is exactly what the model holds.
    expect(done.Snapshots).toEqual(model.snapshots(REGION).filter((s) => s.Description === 'nightly'));
  });

  it('creates a single snapshot with tags and reports a failed one as error with its message', async () => {
    // Prepare
    const volume = model.addVolume(REGION, { Size: 20, snapshotSeconds: 60 });
    const client = ec2();

    // Act
    model.faults.snapshotFailureRate = 1;
    const created = await client
      .send(
        new CreateSnapshotCommand({
          VolumeId: volume.VolumeId,
          Description: 'single',
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'k', Value: 'v' }] }],
        }),
      )
      .finally(() => {
        model.faults.snapshotFailureRate = 0;
      });
    advance(120);
    const described = await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [created.SnapshotId ?? ''] }));

    // Assess
    expect(created).toMatchObject({
      VolumeId: volume.VolumeId,
      VolumeSize: 20,
      State: 'pending',
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(described.Snapshots?.[0]).toMatchObject({
      SnapshotId: created.SnapshotId,
      State: 'error',
      StateMessage: expect.stringContaining('failed'),
    });
  });

  it('describes images by block-device-mapping.snapshot-id and refuses to delete a snapshot an AMI uses', async () => {
    // Prepare
    const region = 'eu-central-1';
    const volume = model.addVolume(region, { Size: 8 });
    const held = model.addExistingSnapshot(region, { VolumeId: volume.VolumeId, startMs: now.getTime() - 1000 });
    const free = model.addExistingSnapshot(region, { VolumeId: volume.VolumeId, startMs: now.getTime() - 1000 });
    const image = model.addImage(region, {
      Name: 'golden',
      snapshotIds: [held.SnapshotId],
      Tags: [{ Key: 'os', Value: 'al2023' }],
    });
    for (const n of [1, 2]) model.addImage(region, { Name: `other-${n}`, snapshotIds: [], Tags: [] });
    const client = ec2(region);

    // Act
    const holding = await client.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [held.SnapshotId, free.SnapshotId] }],
      }),
    );
    const pages = [];
    for await (const page of paginateDescribeImages({ client, pageSize: 2 }, { Owners: ['self'] })) pages.push(page);
    const inUse = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: held.SnapshotId })));
    await client.send(new DeleteSnapshotCommand({ SnapshotId: free.SnapshotId }));
    const gone = await failure(client.send(new DescribeSnapshotsCommand({ SnapshotIds: [free.SnapshotId] })));
    const remaining = [];
    for await (const page of paginateDescribeSnapshots({ client, pageSize: 5 }, { OwnerIds: ['self'] }))
      remaining.push(...(page.Snapshots ?? []));

    // Assess
    expect(holding.Images?.map((i) => [i.ImageId, i.Name, i.State, i.OwnerId])).toEqual([
      [image.ImageId, 'golden', 'available', model.accountId],
    ]);
    expect(holding.Images?.[0]?.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/sda', Ebs: { SnapshotId: held.SnapshotId, DeleteOnTermination: true } },
    ]);
    expect(holding.Images?.[0]?.Tags).toEqual([{ Key: 'os', Value: 'al2023' }]);
    expect(pages.map((p) => p.Images?.length)).toEqual([2, 1]);
    expect([inUse.name, inUse.$metadata.httpStatusCode]).toEqual(['InvalidSnapshot.InUse', 400]);
    expect(gone.name).toBe('InvalidSnapshot.NotFound');
    expect(remaining.map((s) => [s.SnapshotId, s.State, s.Progress])).toEqual([[held.SnapshotId, 'completed', '100%']]);
  });
});

describe('EC2 AMIs over the wire', () => {
  it('creates a tagged image of every volume, pending until its snapshots complete, found by name, state and tag', async () => {
    // Prepare
    const region = 'eu-north-1';
    const client = ec2(region);
    const instance = model.addInstance(region, {
      volumes: [
        { Size: 8, snapshotSeconds: 100 },
        { Size: 20, snapshotSeconds: 200 },
      ],
    });
    const ours = [{ Key: 'backup-pipeline:managed-by', Value: 'BackupPipeline' }];

    // Act
    const { ImageId } = await client.send(
      new CreateImageCommand({
        InstanceId: instance.InstanceId,
        Name: 'bp-run (1) [x] ./@_',
        Description: 'nightly',
        NoReboot: true,
        TagSpecifications: [
          { ResourceType: 'image', Tags: [...ours, { Key: 'Name', Value: 'web' }] },
          { ResourceType: 'snapshot', Tags: ours },
        ],
      }),
    );
    const byName = await client.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['bp-run (1) [x] ./@_'] }] }),
    );
    const pending = await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'state', Values: ['pending'] }] }));
    advance(300);
    const done = await client.send(
      new DescribeImagesCommand({ Filters: [{ Name: 'tag:backup-pipeline:managed-by', Values: ['BackupPipeline'] }] }),
    );
    const duplicate = await failure(
      client.send(new CreateImageCommand({ InstanceId: instance.InstanceId, Name: 'bp-run (1) [x] ./@_' })),
    );
    const malformed = await failure(
      client.send(new CreateImageCommand({ InstanceId: instance.InstanceId, Name: 'a#' })),
    );

    // Assess
    const [image] = byName.Images ?? [];
    expect(image).toMatchObject({
      ImageId,
      Name: 'bp-run (1) [x] ./@_',
      Description: 'nightly',
      State: 'pending',
      OwnerId: model.accountId,
      CreationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      Tags: [...ours, { Key: 'Name', Value: 'web' }],
    });
    const snapshotIds = image?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId) ?? [];
    expect(snapshotIds).toHaveLength(2);
    expect(
      model.snapshots(region).map((s) => [s.SnapshotId, s.VolumeId, s.Tags, s.Description.includes(ImageId ?? '?')]),
    ).toEqual(instance.volumeIds.map((v, n) => [snapshotIds[n], v, ours, true]));
    expect(pending.Images?.map((i) => i.ImageId)).toEqual([ImageId]);
    expect(done.Images?.map((i) => [i.ImageId, i.State])).toEqual([[ImageId, 'available']]);
    expect(model.images(region)).toEqual([expect.objectContaining({ ImageId, noReboot: true, rebooted: false })]);
    expect(duplicate.name).toBe('InvalidAMIName.Duplicate');
    expect(malformed.name).toBe('InvalidAMIName.Malformed');
  });

  it('refuses to deregister a pending image and to delete a snapshot a registered image uses', async () => {
    // Prepare
    const region = 'eu-south-1';
    const client = ec2(region);
    const instance = model.addInstance(region, { volumes: [{ Size: 8, snapshotSeconds: 10 }] });
    const { ImageId = '' } = await client.send(
      new CreateImageCommand({ InstanceId: instance.InstanceId, Name: 'with-reboot', NoReboot: false }),
    );
    const snapshotId = model.images(region)[0]?.BlockDeviceMappings[0]?.Ebs.SnapshotId ?? '';

    // Act
    const whilePending = await failure(client.send(new DeregisterImageCommand({ ImageId })));
    advance(60);
    const inUse = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    await client.send(new DeregisterImageCommand({ ImageId }));
    await client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    const again = await failure(client.send(new DeregisterImageCommand({ ImageId })));
    const described = await failure(client.send(new DescribeImagesCommand({ ImageIds: [ImageId] })));

    // Assess
    expect(whilePending.name).toBe('InvalidAMIID.Unavailable');
    expect(inUse.name).toBe('InvalidSnapshot.InUse');
    expect([again.name, described.name]).toEqual(['InvalidAMIID.NotFound', 'InvalidAMIID.NotFound']);
    expect(pipelineNameOf(again.name)).toBe('ResourceNotFoundError');
    expect(pipelineNameOf(whilePending.name)).toBe('InvalidResourceStateError');
    expect(model.images(region)).toEqual([]);
    expect(model.snapshots(region)).toEqual([]);
  });

  it('reports a reboot for a running instance imaged with NoReboot off', async () => {
    const region = 'eu-south-2';
    const instance = model.addInstance(region, { volumes: [{ Size: 8 }] });
    await ec2(region).send(new CreateImageCommand({ InstanceId: instance.InstanceId, Name: 'rebooted' }));
    expect(model.images(region)).toEqual([expect.objectContaining({ noReboot: false, rebooted: true })]);
  });
});

describe('EC2 errors over the wire', () => {
  let errorCase = 0;
  it.each([
    // [AWS code, how to provoke it, HTTP status AWS uses, pipeline error (undefined: not an ASL contract)]
    ['InvalidInstanceID.NotFound', 'describe a missing instance', 400, 'ResourceNotFoundError'],
    ['InvalidInstanceID.Malformed', 'describe a malformed id', 400, 'ResourceNotFoundError'],
    ['InvalidVolume.NotFound', 'snapshot a missing volume', 400, 'ResourceNotFoundError'],
    ['RequestLimitExceeded', 'call while throttled', 503, 'ThrottledError'],
    ['PendingSnapshotLimitExceeded', 'exceed the pending-snapshot limit', 400, 'LimitExceededError'],
    ['ConcurrentSnapshotLimitExceeded', 'exceed concurrent snapshots of one volume', 400, 'LimitExceededError'],
    ['SnapshotCreationPerVolumeRateExceeded', 'snapshot one volume twice in 15 s', 400, 'ThrottledError'],
    ['IncorrectInstanceState', 'snapshot a terminated instance', 400, 'InvalidResourceStateError'],
    ['InvalidParameterCombination', 'combine InstanceIds and MaxResults', 400, undefined],
  ] as const)('surfaces %s (%s) with its name and status %i', async (code, _how, status, pipelineError) => {
    // Prepare: each case in its own region so limits and pending snapshots do not interfere.
    const region = `eu-test-${++errorCase}`;
    const client = ec2(region);
    const volume = model.addVolume(region, { Size: 8, snapshotSeconds: 3600 });
    const act: Record<string, () => Promise<unknown>> = {
      'InvalidInstanceID.NotFound': () =>
        client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
      'InvalidInstanceID.Malformed': () => client.send(new DescribeInstancesCommand({ InstanceIds: ['web-1'] })),
      'InvalidVolume.NotFound': () => client.send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0' })),
      RequestLimitExceeded: async () => {
        model.faults.throttleRate = 1;
        return client.send(new DescribeVolumesCommand({})).finally(() => {
          model.faults.throttleRate = 0;
        });
      },
      PendingSnapshotLimitExceeded: async () => {
        model.limits.pendingSnapshotsPerRegion = 1;
        const other = model.addVolume(region, { Size: 8, snapshotSeconds: 3600 });
        await client.send(new CreateSnapshotCommand({ VolumeId: other.VolumeId }));
        return client.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId })).finally(() => {
          model.limits.pendingSnapshotsPerRegion = 100;
        });
      },
      ConcurrentSnapshotLimitExceeded: async () => {
        const cold = model.addVolume(region, { Size: 500, VolumeType: 'sc1', snapshotSeconds: 3600 });
        await client.send(new CreateSnapshotCommand({ VolumeId: cold.VolumeId }));
        advance(20);
        return client.send(new CreateSnapshotCommand({ VolumeId: cold.VolumeId }));
      },
      SnapshotCreationPerVolumeRateExceeded: async () => {
        await client.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
        return client.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
      },
      IncorrectInstanceState: () => {
        const gone = model.addInstance(region, { State: 'terminated', volumes: [{ Size: 8 }] });
        return client.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: gone.InstanceId } }));
      },
      InvalidParameterCombination: () =>
        client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'], MaxResults: 5 })),
    };

    // Act
    const error = await failure((act[code] as () => Promise<unknown>)());

    // Assess
    expect(error.name).toBe(code);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(error.$fault).toBe(status >= 500 ? 'server' : 'client');
    expect(error.message.length).toBeGreaterThan(0);
    if (pipelineError) expect(pipelineNameOf(error.name)).toBe(pipelineError);
  });

  it('answers an action the emulator does not implement with UnsupportedOperation naming it', async () => {
    // Act
    const error = await failure(ec2().send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));

    // Assess
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['UnsupportedOperation', 400]);
    expect(error.message).toContain('StopInstances');
  });
});
