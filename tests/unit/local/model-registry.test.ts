/**
 * The model's composition (local/model/index.ts): each service module is one backend over the one core,
 * the model's operations are those backends' own (same state, same counters), and cross-service needs go
 * through the backend that owns them (an AMI's snapshots are EC2's, an export needs S3's bucket).
 */
import { AwsModel, defineModelService, ModelCore, seededRandom } from '../../../local/model';
import { buildServices } from '../../../local/model/registry';

const REGION = 'eu-west-1';
const newModel = () =>
  new AwsModel({ clock: { now: () => new Date(0) }, random: seededRandom(7), tokenBuckets: false });

describe('AwsModel', () => {
  it('answers an operation from the service backend that owns its state', () => {
    // Prepare
    const model = newModel();
    const volume = model.addVolume(REGION, { Size: 8 });

    // Act
    const created = model.createSnapshot(REGION, { VolumeId: volume.VolumeId });

    // Assess
    expect(model.services.ec2.region(REGION).snapshots.has(created.SnapshotId)).toBe(true);
    expect(model.services.ec2.snapshots(REGION).map((s) => s.SnapshotId)).toEqual([created.SnapshotId]);
    expect(model.calls.get('ec2:CreateSnapshot')).toBe(1);
  });

  it('keeps an AMI and the EBS snapshots it holds in the one EC2 region state', () => {
    // Prepare
    const model = newModel();
    const instance = model.addInstance(REGION, { volumes: [{ Size: 8 }, { Size: 20 }] });

    // Act
    const { ImageId } = model.createImage(REGION, { InstanceId: instance.InstanceId, Name: 'nightly-image' });

    // Assess
    const image = model.services.ec2.region(REGION).images.get(ImageId);
    expect(image?.snapshotIds).toHaveLength(2);
    expect(() => model.deleteSnapshot(REGION, { SnapshotId: image?.snapshotIds[0] })).toThrow(
      expect.objectContaining({ code: 'InvalidSnapshot.InUse' }),
    );
  });

  it('lets a DynamoDB export see only buckets the S3 backend made', () => {
    // Prepare
    const model = newModel();
    model.addDynamoTable(REGION, { TableName: 'clicks', pitr: true });
    const TableArn = model.dynamoTableArn(REGION, 'clicks');

    const exportIt = () => model.exportTableToPointInTime(REGION, { TableArn, S3Bucket: 'exports-bucket' });
    expect(exportIt).toThrow(expect.objectContaining({ code: 'ValidationException' }));

    // Act
    model.createBucket(REGION, 'exports-bucket');

    // Assess
    expect(exportIt().ExportDescription.ExportStatus).toBe('IN_PROGRESS');
    expect(model.services.s3.buckets.has('exports-bucket')).toBe(true);
  });

  it('keeps what the restore modules make in their service region state, where the describes see it', () => {
    // Prepare
    const model = newModel();
    const volume = model.addVolume(REGION, { Size: 8 });
    const snapshot = model.addExistingSnapshot(REGION, { VolumeId: volume.VolumeId, startMs: -1 });
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders' });
    model.addExistingDbSnapshot(REGION, { DBSnapshotIdentifier: 's1', DBInstanceIdentifier: 'orders', startMs: -1 });

    // Act
    const restored = model.createVolume(REGION, { SnapshotId: snapshot.SnapshotId, AvailabilityZone: `${REGION}a` });
    model.restoreDBInstanceFromDBSnapshot(REGION, { DBInstanceIdentifier: 'orders-2', DBSnapshotIdentifier: 's1' });

    // Assess
    expect(model.services.ec2.region(REGION).volumes.get(restored.VolumeId)?.State).toBe('creating');
    expect(
      model.describeDBInstances(REGION, { DBInstanceIdentifier: 'orders-2' }).DBInstances[0]?.DBInstanceStatus,
    ).toBe('creating');
    expect(model.describeDBSubnetGroups(REGION, {}).DBSubnetGroups.map((g) => g.DBSubnetGroupName)).toEqual([
      'default',
    ]);
  });

  it('replays the same ids and timings for the same seed', () => {
    // Prepare
    const seed = (model: AwsModel) => [
      model.addInstance(REGION, { volumes: [{ Size: 30 }] }).InstanceId,
      model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders' }).snapshotSeconds,
      model.addDynamoTable(REGION, { TableName: 'sessions' }).exportSeconds,
    ];

    // Act
    const first = seed(newModel());
    const second = seed(newModel());

    // Assess
    expect(second).toEqual(first);
  });
});

describe('the model registry (local/model/registry.ts)', () => {
  const core = () => new ModelCore({ clock: { now: () => new Date(0) }, limits: { queueDepth: 3 } });
  class Leaf {
    readonly made = 'leaf';
  }
  class Branch {
    constructor(readonly leaf: Leaf) {}
  }
  const leaf = defineModelService({ name: 'leaf', build: () => new Leaf(), operations: [] });
  const branch = defineModelService({
    name: 'branch',
    needs: ['leaf'],
    build: (_core, { leaf }: { leaf: Leaf }) => new Branch(leaf),
    operations: [],
  });

  it('builds each backend after the ones it needs, whatever the order of the list, and hands it those', () => {
    // Act
    const built = buildServices(core(), [branch, leaf]);

    // Assess
    expect(Object.keys(built)).toEqual(['branch', 'leaf']);
    expect((built.branch as Branch).leaf).toBe(built.leaf);
  });

  it('refuses a need that no module registers', () => {
    expect(() => buildServices(core(), [branch])).toThrow('model service branch needs leaf, which no module registers');
  });

  it("fills a service's limits with its defaults, keeps the options' overrides, and refuses two defaults for one limit", () => {
    // Prepare
    const shared = core();

    // Act
    const limits = shared.limitsOf({ queueDepth: 10, perRegion: 20 });

    // Assess
    expect(limits).toEqual({ queueDepth: 3, perRegion: 20 });
    expect(shared.limitsOf({ perRegion: 20 })).toBe(limits);
    expect(() => shared.limitsOf({ perRegion: 5 })).toThrow(
      'limit perRegion is declared twice, with defaults 20 and 5',
    );
  });

  it('puts every operation on the model as an own, writable, bound property, and its views read live', () => {
    // Prepare
    const model = newModel();
    const publish = Object.getOwnPropertyDescriptor(model, 'publish');

    // Act
    const { createTopic } = model;
    const { TopicArn } = createTopic(REGION, { Name: 'alerts' });

    // Assess
    expect(publish?.writable).toBe(true);
    expect(model.topics.has(TopicArn)).toBe(true);
    expect(model.topics).toBe(model.services.sns.topics);
  });

  it('asks each service that answers: when a backup finished, copies in progress by service name', () => {
    // Prepare
    const model = newModel();
    const volume = model.addVolume(REGION, { Size: 8 });
    const snapshot = model.createSnapshot(REGION, { VolumeId: volume.VolumeId });
    const stored = model.services.ec2.region(REGION).snapshots.get(snapshot.SnapshotId);

    // Act / Assess
    expect(model.finishedAtMs(REGION, snapshot.SnapshotId)).toBe((stored?.startMs ?? 0) + (stored?.durationMs ?? 0));
    expect(model.durationMs(REGION, snapshot.SnapshotId)).toBe(stored?.durationMs);
    expect(model.finishedAtMs(REGION, 'snap-unknown')).toBeUndefined();
    expect(model.copiesInProgress(REGION)).toEqual({ ec2: 0, rds: 0 });
  });
});
