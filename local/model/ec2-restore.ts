/**
 * EC2 restores over EC2's region store: CreateVolume from a snapshot and DeleteVolume, RunInstances from
 * an AMI and TerminateInstances. What they make is shown by ec2.ts's DescribeVolumes / DescribeInstances;
 * the way there is a `lifecycle` (lifecycle.ts): a volume `creating` → `available` after a time drawn from
 * its size, `deleting` → gone; an instance `pending` → `running`, `shutting-down` → `terminated` (its
 * volumes from the AMI go with it). Both creates are idempotent per ClientToken, as EC2's are.
 */
import { AwsApiError, type ModelCore, RegionalBackend, type Tag } from './core';
import type { Ec2Backend, Ec2RegionState, InstanceModel, VolumeModel } from './ec2';
import { type AmiBackend, deletesOnTermination } from './ec2-images';
import { launchView } from './ec2-launch';
import type { RegionsBackend } from './ec2-regions';
import { EC2_API } from './ec2-regions';
import type { KeyRefusal, KmsBackend } from './kms';
import { GONE, settle } from './lifecycle';
import { defineModelService } from './registry';

type TagSpecifications = { ResourceType?: string; Tags?: Tag[] }[];

/** Seconds a delete or a shutdown takes: fixed, so a removal draws nothing from the PRNG. */
const DELETE_SECONDS = 10;
const SHUTDOWN_SECONDS = 45;
/** Seconds before a create whose key is refused shows it: a volume `creating` → `error`, an instance `pending` → `terminated`. */
const KEY_REFUSED_SECONDS = 15;
/** What EC2 reports for an instance whose EBS volume's key it could not use (AWS: instance terminates immediately). */
const CLIENT_ERROR_ON_LAUNCH = {
  Code: 'Client.InternalError',
  Message: 'Client.InternalError: Client error on launch',
};
/** EBS types CreateVolume accepts, and those whose IOPS / throughput may be set. */
const VOLUME_TYPES = new Set(['standard', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1']);
const IOPS_TYPES = new Set(['gp3', 'io1', 'io2']);

function tagsFor(specs: TagSpecifications | undefined, type: string, allowed: readonly string[]): Tag[] {
  for (const spec of specs ?? []) {
    if (!allowed.includes(spec.ResourceType ?? ''))
      throw new AwsApiError(
        'InvalidParameterValue',
        `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
      );
    // EC2's tag limits: a key of at most 128 Unicode characters, a value of at most 256.
    for (const tag of spec.Tags ?? [])
      if ([...(tag.Key ?? '')].length > 128 || [...(tag.Value ?? '')].length > 256)
        throw new AwsApiError('InvalidParameterValue', `Tag ${tag.Key}: a key is at most 128 characters, a value 256.`);
  }
  return (specs ?? []).filter((t) => t.ResourceType === type).flatMap((t) => t.Tags ?? []);
}

export class Ec2RestoreBackend extends RegionalBackend<Ec2RegionState> {
  constructor(
    core: ModelCore,
    private readonly ec2: Ec2Backend,
    private readonly amis: AmiBackend,
    private readonly regions: RegionsBackend,
    private readonly kms: KmsBackend,
  ) {
    super(core, ec2.store);
  }

  /**
   * Whether EBS may use the key of an encrypted volume it makes: the key named, else the snapshot's, else
   * the region's aws/ebs key. EC2 accepts the create and fails the volume later, so this is not thrown.
   */
  private ebsKeyRefusal(region: string, encrypted: boolean, keyId: string | undefined): KeyRefusal | undefined {
    return encrypted ? this.kms.keyUseRefusal(region, keyId ?? 'alias/aws/ebs', 'ec2') : undefined;
  }

  private volumeView(v: VolumeModel) {
    return {
      VolumeId: v.VolumeId,
      Size: v.Size,
      ...(v.SnapshotId ? { SnapshotId: v.SnapshotId } : {}),
      AvailabilityZone: v.AvailabilityZone,
      State: v.State,
      CreateTime: new Date(this.nowMs()),
      Encrypted: v.Encrypted ?? true,
      ...(v.KmsKeyId ? { KmsKeyId: v.KmsKeyId } : {}),
      VolumeType: v.VolumeType,
      ...(v.Iops ? { Iops: v.Iops } : {}),
      ...(v.Throughput ? { Throughput: v.Throughput } : {}),
      Tags: v.Tags,
    };
  }

  private assertZone(region: string, zone: string | undefined): string {
    if (!zone) throw new AwsApiError('MissingParameter', 'The request must contain the parameter AvailabilityZone');
    if (!new RegExp(`^${region}[a-f]$`).test(zone))
      throw new AwsApiError('InvalidParameterValue', `Invalid availability zone: [${zone}]`);
    return zone;
  }

  /**
   * CreateVolume from a `completed` snapshot (or of a Size alone): at least the snapshot's size, encrypted
   * iff the snapshot is (or Encrypted is asked) with the snapshot's key, `creating` for a time drawn from
   * its size. The same ClientToken returns the volume it made, whatever the rest of the request.
   */
  createVolume(
    region: string,
    input: {
      SnapshotId?: string;
      AvailabilityZone?: string;
      VolumeType?: string;
      Iops?: number;
      Throughput?: number;
      Size?: number;
      Encrypted?: boolean;
      KmsKeyId?: string;
      TagSpecifications?: TagSpecifications;
      ClientToken?: string;
    },
  ) {
    this.gate(EC2_API, 'CreateVolume');
    const r = this.region(region);
    if (input.ClientToken) {
      const earlier = [...r.volumes.values()].find((v) => v.clientToken === input.ClientToken);
      if (earlier) return this.volumeView(earlier);
    }
    const zone = this.assertZone(region, input.AvailabilityZone);
    const snapshot = input.SnapshotId ? r.snapshots.get(input.SnapshotId) : undefined;
    if (input.SnapshotId && !snapshot)
      throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${input.SnapshotId}' does not exist.`);
    if (!snapshot && input.Size === undefined)
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter size or snapshotId');
    if (snapshot) {
      const state = this.phase(snapshot).state;
      if (state !== 'completed') throw new AwsApiError('IncorrectState', `Snapshot is in invalid state - ${state}`);
    }
    const size = input.Size ?? snapshot?.VolumeSize ?? 0;
    if (snapshot && size < snapshot.VolumeSize)
      throw new AwsApiError(
        'InvalidParameterValue',
        `Volume of size ${size}GB is smaller than snapshot '${snapshot.SnapshotId}', expect size>= ${snapshot.VolumeSize}GB`,
      );
    const type = input.VolumeType ?? 'gp2';
    if (!VOLUME_TYPES.has(type))
      throw new AwsApiError('InvalidParameterValue', `Value (${type}) for parameter volumeType is invalid.`);
    if (input.Iops !== undefined && !IOPS_TYPES.has(type))
      throw new AwsApiError('InvalidParameterCombination', `The parameter iops is not supported for ${type} volumes.`);
    if ((type === 'io1' || type === 'io2') && input.Iops === undefined)
      throw new AwsApiError('MissingParameter', `The parameter iops must be specified for ${type} volumes.`);
    if (input.Throughput !== undefined && type !== 'gp3')
      throw new AwsApiError('InvalidParameterCombination', 'Throughput can only be specified for gp3 volumes.');
    const tags = tagsFor(input.TagSpecifications, 'volume', ['volume']);
    const encrypted = (snapshot?.Encrypted ?? false) || input.Encrypted === true;
    // A key EBS may not use (missing in the region, disabled, or not the caller's to use): the volume
    // is accepted, then goes to `error` instead of `available`.
    const refused = this.ebsKeyRefusal(region, encrypted, input.KmsKeyId ?? snapshot?.KmsKeyId);
    const volume: VolumeModel = {
      VolumeId: this.nextId('vol'),
      Size: size,
      VolumeType: type,
      AvailabilityZone: zone,
      Tags: tags,
      State: 'creating',
      snapshotSeconds: Math.round(60 + size * 12),
      Encrypted: encrypted,
      ...(encrypted && (input.KmsKeyId ?? snapshot?.KmsKeyId)
        ? { KmsKeyId: input.KmsKeyId ?? snapshot?.KmsKeyId }
        : {}),
      ...(input.Iops !== undefined ? { Iops: input.Iops } : type === 'gp3' ? { Iops: 3000 } : {}),
      ...(input.Throughput !== undefined
        ? { Throughput: input.Throughput }
        : type === 'gp3'
          ? { Throughput: 125 }
          : {}),
      ...(snapshot ? { SnapshotId: snapshot.SnapshotId } : {}),
      ...(input.ClientToken ? { clientToken: input.ClientToken } : {}),
      // Blocks load lazily from S3: a volume is usable long before all of it is read.
      lifecycle: refused
        ? { untilMs: this.nowMs() + KEY_REFUSED_SECONDS * 1000, next: 'error' }
        : { untilMs: this.readyAt(10 + size * 0.1), next: 'available' },
    };
    r.volumes.set(volume.VolumeId, volume);
    return this.created(EC2_API, this.volumeView(volume));
  }

  /** When something made now that takes about `seconds` is ready (the snapshot timing's spread; never fails). */
  private readyAt(seconds: number): number {
    const t = this.timing(seconds);
    return t.startMs + t.durationMs;
  }

  /** DeleteVolume: an `available` volume goes `deleting`, then gone; attached or still creating is refused. */
  deleteVolume(region: string, input: { VolumeId?: string }) {
    this.gate(EC2_API, 'DeleteVolume');
    const r = this.region(region);
    const id = input.VolumeId ?? '';
    const volume = settle(r.volumes, id, this.nowMs(), 'State');
    if (!volume) throw new AwsApiError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    if (volume.State === 'in-use')
      throw new AwsApiError('VolumeInUse', `Volume ${id} is currently attached to ${volume.attachedTo}`);
    if (volume.State === 'creating')
      throw new AwsApiError('IncorrectState', `The volume '${id}' is 'creating' and cannot be deleted yet.`);
    if (volume.State !== 'deleting') this.startDeleting(volume, DELETE_SECONDS);
    return {};
  }

  private startDeleting(volume: VolumeModel, seconds: number): void {
    volume.State = 'deleting';
    delete volume.attachedTo;
    volume.lifecycle = { untilMs: this.nowMs() + seconds * 1000, next: GONE };
  }

  /**
   * RunInstances of one instance from an `available` AMI owned here: `pending`, then `running`, with one
   * volume per AMI snapshot (its size and encryption), tagged per TagSpecifications (`instance`, `volume`).
   * The same ClientToken returns the instance it launched.
   */
  runInstances(
    region: string,
    input: {
      ImageId?: string;
      InstanceType?: string;
      MinCount?: number;
      MaxCount?: number;
      SubnetId?: string;
      SecurityGroupIds?: string[];
      Placement?: { AvailabilityZone?: string };
      TagSpecifications?: TagSpecifications;
      ClientToken?: string;
    },
  ) {
    this.gate(EC2_API, 'RunInstances');
    const r = this.region(region);
    const earlier = input.ClientToken
      ? [...r.instances.values()].find((i) => i.launch?.clientToken === input.ClientToken)
      : undefined;
    if (earlier) return this.reservation(region, earlier);
    if ((input.MinCount ?? 1) !== 1 || (input.MaxCount ?? 1) !== 1)
      throw new AwsApiError(
        'InvalidParameterValue',
        'The sandbox launches exactly one instance per call (MinCount = MaxCount = 1).',
      );
    const imageId = input.ImageId ?? '';
    const image = r.images.get(imageId);
    if (!image || image.disabled)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
    const imageState = this.amis.imageState(r, image).state;
    if (imageState !== 'available')
      throw new AwsApiError('InvalidAMIID.Unavailable', `The image ${imageId} is ${imageState} and cannot be launched`);
    if (input.SubnetId !== undefined && !/^subnet-[0-9a-f]{8,17}$/.test(input.SubnetId))
      throw new AwsApiError('InvalidSubnetID.NotFound', `The subnet ID '${input.SubnetId}' does not exist`);
    // Without a subnet EC2 launches into the default VPC; a region without one refuses the launch.
    if (input.SubnetId === undefined && !this.regions.hasDefaultVpc(region))
      throw new AwsApiError('VPCIdNotSpecified', 'No default VPC for this user.');
    for (const sg of input.SecurityGroupIds ?? [])
      if (!/^sg-[0-9a-f]{8,17}$/.test(sg))
        throw new AwsApiError('InvalidGroup.NotFound', `The security group '${sg}' does not exist`);
    const zone = input.Placement?.AvailabilityZone
      ? this.assertZone(region, input.Placement.AvailabilityZone)
      : `${region}a`;
    const instanceTags = tagsFor(input.TagSpecifications, 'instance', ['instance', 'volume']);
    const volumeTags = tagsFor(input.TagSpecifications, 'volume', ['instance', 'volume']);
    const instanceId = this.nextId('i');
    // A snapshot whose key EC2 may not use: the instance is accepted, stays `pending`, then terminates
    // with Client.InternalError, its volumes never made.
    const refused = image.snapshotIds
      .map((id) => r.snapshots.get(id))
      .map((s) => this.ebsKeyRefusal(region, s?.Encrypted ?? false, s?.KmsKeyId))
      .find((refusal) => refusal !== undefined);
    const volumeIds = (refused ? [] : image.snapshotIds).map((snapshotId, index) => {
      const snapshot = r.snapshots.get(snapshotId);
      const size = snapshot?.VolumeSize ?? 8;
      return this.ec2.addVolume(region, {
        Size: size,
        AvailabilityZone: zone,
        Tags: [...volumeTags],
        State: 'in-use',
        attachedTo: instanceId,
        deleteOnTermination: deletesOnTermination(image, index),
        snapshotSeconds: Math.round(60 + size * 12),
        Encrypted: snapshot?.Encrypted ?? false,
        ...(snapshot?.KmsKeyId ? { KmsKeyId: snapshot.KmsKeyId } : {}),
        SnapshotId: snapshotId,
      }).VolumeId;
    });
    const instance: InstanceModel = {
      InstanceId: instanceId,
      State: 'pending',
      InstanceType: input.InstanceType ?? 'm1.small',
      Tags: instanceTags,
      volumeIds,
      launch: {
        ImageId: imageId,
        AvailabilityZone: zone,
        ...(input.SubnetId ? { SubnetId: input.SubnetId } : {}),
        SecurityGroupIds: input.SecurityGroupIds ?? [],
        ...(input.ClientToken ? { clientToken: input.ClientToken } : {}),
      },
      ...(refused
        ? {
            stateReason: CLIENT_ERROR_ON_LAUNCH,
            lifecycle: { untilMs: this.nowMs() + KEY_REFUSED_SECONDS * 1000, next: 'terminated' },
          }
        : { lifecycle: { untilMs: this.readyAt(30), next: 'running' } }),
    };
    r.instances.set(instanceId, instance);
    return this.created(EC2_API, this.reservation(region, instance));
  }

  private reservation(region: string, i: InstanceModel) {
    return {
      ReservationId: `r-${i.InstanceId.slice(2)}`,
      OwnerId: this.accountId,
      Instances: [
        {
          InstanceId: i.InstanceId,
          InstanceType: i.InstanceType,
          State: { Name: i.State, Code: i.State === 'pending' ? 0 : 16 },
          Tags: i.Tags,
          ...launchView(region, i.launch),
        },
      ],
    };
  }

  /**
   * TerminateInstances (a `pending` instance too): `shutting-down`, then `terminated` (still described, as
   * EC2 shows it for a while). Each volume goes with it or is detached and left `available` (its tags kept),
   * as its attachment's DeleteOnTermination says: an AMI's data volume is preserved by default.
   */
  terminateInstances(region: string, input: { InstanceIds?: string[] }) {
    this.gate(EC2_API, 'TerminateInstances');
    const r = this.region(region);
    const ids = input.InstanceIds ?? [];
    if (ids.length === 0)
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter InstanceId');
    const instances = ids.map((id) => {
      const instance = settle(r.instances, id, this.nowMs(), 'State');
      if (!instance) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      return instance;
    });
    const code = { pending: 0, running: 16, 'shutting-down': 32, stopping: 64, stopped: 80, terminated: 48 };
    return {
      TerminatingInstances: instances.map((i) => {
        const previous = i.State;
        if (previous !== 'terminated' && previous !== 'shutting-down') {
          i.State = 'shutting-down';
          i.lifecycle = { untilMs: this.nowMs() + SHUTDOWN_SECONDS * 1000, next: 'terminated' };
          i.volumeIds.forEach((volumeId, n) => {
            const volume = r.volumes.get(volumeId);
            if (!volume) return;
            if (volume.deleteOnTermination ?? n === 0) this.startDeleting(volume, SHUTDOWN_SECONDS + DELETE_SECONDS);
            // Detached once the instance is terminated: until then DeleteVolume answers VolumeInUse.
            else volume.lifecycle = { untilMs: this.nowMs() + SHUTDOWN_SECONDS * 1000, next: 'available' };
          });
        }
        return {
          InstanceId: i.InstanceId,
          PreviousState: { Name: previous, Code: code[previous] },
          CurrentState: { Name: i.State, Code: code[i.State] },
        };
      }),
    };
  }
}

export const ec2RestoreModel = defineModelService({
  name: 'ec2Restore',
  needs: ['ec2', 'amis', 'regions', 'kms'],
  build: (core, needs: { ec2: Ec2Backend; amis: AmiBackend; regions: RegionsBackend; kms: KmsBackend }) =>
    new Ec2RestoreBackend(core, needs.ec2, needs.amis, needs.regions, needs.kms),
  operations: ['createVolume', 'deleteVolume', 'runInstances', 'terminateInstances'],
});
