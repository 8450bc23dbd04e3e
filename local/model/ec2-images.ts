/**
 * EC2 AMIs: CreateImage, CopyImage, DescribeImages, DisableImage, DeregisterImage. An AMI holds EBS
 * snapshots, so this backend shares EC2's region store and asks the EC2 backend to snapshot volumes and to
 * count the copies in progress; KMS gives a copy's key, the regions backend checks the source region.
 */
import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import { AwsApiError, COPY_SLOWDOWN, type Filter, finishedAt, type ModelCore, RegionalBackend, type Tag } from './core';
import {
  EBS_LIMITS,
  type Ec2Backend,
  type Ec2RegionState,
  type ImageModel,
  type SnapshotModel,
  type VolumeModel,
} from './ec2';
import type { RegionsBackend } from './ec2-regions';
import { EC2_API } from './ec2-regions';
import { KEY_REFUSED_FAIL_AT, type KmsBackend } from './kms';
import { matchesFilter, paginate } from './query';
import { defineModelService } from './registry';

/** Whether the image's block device `index` is deleted when an instance launched from it terminates. */
export function deletesOnTermination(image: ImageModel, index: number): boolean {
  return image.deleteOnTermination?.[index] ?? index === 0;
}

export class AmiBackend extends RegionalBackend<Ec2RegionState> implements AuthorizationLookup {
  private readonly limits = this.core.limitsOf(EBS_LIMITS);

  constructor(
    core: ModelCore,
    private readonly ec2: Ec2Backend,
    private readonly kms: KmsBackend,
    private readonly regions: RegionsBackend,
  ) {
    super(core, ec2.store);
  }

  addImage(region: string, image: Omit<ImageModel, 'ImageId'> & { ImageId?: string }): ImageModel {
    const full: ImageModel = {
      ImageId: image.ImageId ?? this.nextId('ami'),
      creationMs: this.nowMs(),
      OwnerId: this.accountId,
      ...image,
    };
    this.region(region).images.set(full.ImageId, full);
    return full;
  }

  imageState(
    r: Ec2RegionState,
    image: ImageModel,
  ): { state: 'pending' | 'available' | 'failed' | 'disabled'; reason?: string } {
    if (image.disabled) return { state: 'disabled' };
    const phases = image.snapshotIds
      .map((id) => r.snapshots.get(id))
      .map((s) => (s ? this.phase(s).state : 'completed'));
    if (phases.includes('error'))
      return { state: 'failed', reason: 'Snapshot creation failed for one of the image volumes (simulated)' };
    return { state: phases.includes('pending') ? 'pending' : 'available' };
  }

  private imageView(r: Ec2RegionState, i: ImageModel) {
    const { state, reason } = this.imageState(r, i);
    return {
      ImageId: i.ImageId,
      Name: i.Name,
      ...(i.Description ? { Description: i.Description } : {}),
      State: state,
      ...(reason ? { StateReason: { Code: 'Client.UserInitiated', Message: reason } } : {}),
      OwnerId: i.OwnerId ?? this.accountId,
      CreationDate: new Date(i.creationMs ?? 0).toISOString(),
      ImageType: 'machine',
      Public: false,
      RootDeviceType: 'ebs',
      ...(i.sourceInstanceId ? { SourceInstanceId: i.sourceInstanceId } : {}),
      Tags: i.Tags,
      BlockDeviceMappings: i.snapshotIds.map((id, index) => ({
        DeviceName: `/dev/sd${String.fromCharCode(97 + index)}`,
        Ebs: { SnapshotId: id, DeleteOnTermination: deletesOnTermination(i, index) },
      })),
    };
  }

  describeImages(
    region: string,
    input: {
      ImageIds?: string[];
      Owners?: string[];
      Filters?: Filter[];
      MaxResults?: number;
      NextToken?: string;
      IncludeDisabled?: boolean;
    },
  ) {
    this.gate(EC2_API, 'DescribeImages');
    const r = this.region(region);
    for (const id of input.ImageIds ?? []) {
      if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${id}"`);
      if (!r.images.has(id)) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    }
    const selected = [...r.images.values()].filter((i) => {
      const owner = i.OwnerId ?? this.accountId;
      if (input.ImageIds?.length && !input.ImageIds.includes(i.ImageId)) return false;
      // A disabled AMI is not listed by default; asked for by id, it is (so a check still sees it).
      if (i.disabled && !input.IncludeDisabled && !input.ImageIds?.length) return false;
      if (input.Owners?.length && !input.Owners.some((o) => (o === 'self' ? owner === this.accountId : o === owner)))
        return false;
      const attributes = {
        'block-device-mapping.snapshot-id': i.snapshotIds,
        'image-id': i.ImageId,
        name: i.Name,
        state: this.imageState(r, i).state,
        'owner-id': owner,
      };
      return (input.Filters ?? []).every((f) => matchesFilter(i.Tags, attributes, f));
    });
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    return { Images: page.map((i) => this.imageView(r, i)), ...(next ? { NextToken: next } : {}) };
  }

  /**
   * CreateImage: one snapshot per attached EBS volume (all-or-nothing against the snapshot limits, as
   * CreateSnapshots), tagged per TagSpecifications (`image`, `snapshot`); the name must be valid and
   * unused in the region. NoReboot false on a running instance is allowed and recorded as a reboot.
   */
  createImage(
    region: string,
    input: {
      InstanceId?: string;
      Name?: string;
      Description?: string;
      NoReboot?: boolean;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate(EC2_API, 'CreateImage');
    const r = this.region(region);
    const instanceId = input.InstanceId ?? '';
    if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
      throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
    const instance = r.instances.get(instanceId);
    if (!instance)
      throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    if (instance.State === 'terminated')
      throw new AwsApiError('IncorrectInstanceState', `Instance ${instanceId} is terminated.`);
    const name = input.Name ?? '';
    if (!/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/.test(name))
      throw new AwsApiError(
        'InvalidAMIName.Malformed',
        `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', '[', ']', ' ', '@' and "'": ${name}`,
      );
    const taken = [...r.images.values()].find(
      (i) => i.Name === name && (i.OwnerId ?? this.accountId) === this.accountId,
    );
    if (taken)
      throw new AwsApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.ImageId}`);
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== 'image' && spec.ResourceType !== 'snapshot')
        throw new AwsApiError(
          'InvalidParameterValue',
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
    }
    const tagsFor = (type: string) =>
      (input.TagSpecifications ?? []).filter((t) => t.ResourceType === type).flatMap((t) => t.Tags ?? []);
    const volumes = instance.volumeIds.map((id) => r.volumes.get(id)).filter((v): v is VolumeModel => v !== undefined);
    for (const v of volumes) this.ec2.assertCanSnapshot(r, v);
    const imageId = this.nextId('ami');
    const snapshots = volumes.map((v) =>
      this.ec2.createSnapshotOf(region, v, `Created by CreateImage(${instanceId}) for ${imageId}`, tagsFor('snapshot')),
    );
    const noReboot = input.NoReboot ?? false;
    r.images.set(imageId, {
      ImageId: imageId,
      Name: name,
      ...(input.Description ? { Description: input.Description } : {}),
      snapshotIds: snapshots.map((s) => s.SnapshotId),
      // The instance's own setting per volume: a data volume attached after launch stays preserved.
      deleteOnTermination: volumes.map((v, index) => v.deleteOnTermination ?? index === 0),
      Tags: tagsFor('image'),
      OwnerId: this.accountId,
      creationMs: this.nowMs(),
      sourceInstanceId: instanceId,
      noReboot,
      rebooted: !noReboot && instance.State === 'running',
    });
    return this.created(EC2_API, { ImageId: imageId });
  }

  /** DisableImage: only the owner's; the image stays registered (its snapshots stay in use) but is hidden. */
  disableImage(region: string, input: { ImageId?: string }) {
    this.gate(EC2_API, 'DisableImage');
    const image = this.region(region).images.get(input.ImageId ?? '');
    if (!image || (image.OwnerId ?? this.accountId) !== this.accountId)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
    image.disabled = true;
    return { Return: true };
  }

  /** DeregisterImage: the image goes (its snapshots stay, now free to delete); a pending one is refused. */
  deregisterImage(region: string, input: { ImageId?: string }) {
    this.gate(EC2_API, 'DeregisterImage');
    const r = this.region(region);
    const id = input.ImageId ?? '';
    if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${id}"`);
    const image = r.images.get(id);
    if (!image || (image.OwnerId ?? this.accountId) !== this.accountId)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    if (this.imageState(r, image).state === 'pending')
      throw new AwsApiError('InvalidAMIID.Unavailable', `The image ${id} is pending and cannot be deregistered yet`);
    r.images.delete(id);
    return { Return: true };
  }

  /**
   * CopyImage, called in the destination: copies each of the image's snapshots there (the copies count
   * against the region's concurrent-copy limit, all or nothing) and registers a new image over them,
   * `pending` until they complete. Idempotent per ClientToken, as AWS is; the name must be unused.
   */
  copyImage(
    region: string,
    input: {
      SourceImageId?: string;
      SourceRegion?: string;
      Name?: string;
      Description?: string;
      Encrypted?: boolean;
      KmsKeyId?: string;
      ClientToken?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate(EC2_API, 'CopyImage');
    const r = this.region(region);
    const sourceRegion = this.regions.assertSourceRegion(input.SourceRegion, 'SourceRegion');
    if (input.ClientToken) {
      const earlier = [...r.images.values()].find((i) => i.clientToken === input.ClientToken);
      if (earlier) return { ImageId: earlier.ImageId };
    }
    const source = input.SourceImageId ? this.region(sourceRegion).images.get(input.SourceImageId) : undefined;
    if (!source)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${input.SourceImageId}]' does not exist`);
    const sourceState = this.imageState(this.region(sourceRegion), source).state;
    if (sourceState !== 'available')
      throw new AwsApiError('InvalidAMIID.Unavailable', `Image ${source.ImageId} is ${sourceState}.`);
    const name = input.Name ?? source.Name;
    if ([...r.images.values()].some((i) => i.Name === name && (i.OwnerId ?? this.accountId) === this.accountId))
      throw new AwsApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use`);
    if (input.KmsKeyId && input.Encrypted !== true)
      throw new AwsApiError('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted.');
    const key = input.KmsKeyId ? this.kms.findKmsKey(region, input.KmsKeyId) : undefined;
    if (input.KmsKeyId && !key)
      throw new AwsApiError('InvalidKMSKey.NotFound', `The KMS key '${input.KmsKeyId}' does not exist in ${region}.`);
    if (this.ec2.copiesInProgress(region) + source.snapshotIds.length > this.limits.concurrentCopiesPerRegion)
      throw new AwsApiError(
        'ResourceLimitExceeded',
        `Too many snapshot copies in progress. The limit is ${this.limits.concurrentCopiesPerRegion} for this destination region.`,
      );
    const tagsFor = (type: string) =>
      (input.TagSpecifications ?? []).filter((t) => t.ResourceType === type).flatMap((t) => t.Tags ?? []);
    // EBS encrypts each copied snapshot with the key for the caller: a key it may not use fails them.
    // (and decrypts each source snapshot with its own key, in the source region).
    const sourceRefused = source.snapshotIds
      .map((id) => this.region(sourceRegion).snapshots.get(id))
      .map((s) =>
        s?.Encrypted ? this.kms.keyUseRefusal(sourceRegion, s.KmsKeyId ?? 'alias/aws/ebs', 'ec2') : undefined,
      )
      .find((refusal) => refusal !== undefined);
    const refused = sourceRefused ?? (key ? this.kms.keyUseRefusal(region, key.Arn, 'ec2') : undefined);
    const imageId = this.nextId('ami');
    const snapshotIds = source.snapshotIds.map((id) => {
      const original = this.region(sourceRegion).snapshots.get(id);
      if (!original) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      const volume = this.region(sourceRegion).volumes.get(original.VolumeId);
      const copy: SnapshotModel = {
        SnapshotId: this.nextId('snap'),
        VolumeId: original.VolumeId,
        VolumeSize: original.VolumeSize,
        Description: `Copied for DestinationAmi ${imageId} from SourceAmi ${source.ImageId} (${id}) from ${sourceRegion}`,
        Tags: tagsFor('snapshot'),
        OwnerId: this.accountId,
        Encrypted: original.Encrypted || input.Encrypted === true,
        ...(key ? { KmsKeyId: key.Arn } : {}),
        copiedFrom: { region: sourceRegion, id },
        ...this.timing((volume?.snapshotSeconds ?? 60 + original.VolumeSize * 12) * COPY_SLOWDOWN),
        ...(refused ? { failAt: KEY_REFUSED_FAIL_AT } : {}),
      };
      this.ec2.track(r, copy);
      return copy.SnapshotId;
    });
    r.images.set(imageId, {
      ImageId: imageId,
      Name: name,
      ...(input.Description ? { Description: input.Description } : {}),
      snapshotIds,
      ...(source.deleteOnTermination ? { deleteOnTermination: [...source.deleteOnTermination] } : {}),
      Tags: tagsFor('image'),
      OwnerId: this.accountId,
      creationMs: this.nowMs(),
      ...(input.ClientToken ? { clientToken: input.ClientToken } : {}),
    });
    return this.created(EC2_API, { ImageId: imageId });
  }

  /** Images as DescribeImages shows them, with what CreateImage recorded (NoReboot, reboot). */
  images(region: string) {
    const r = this.region(region);
    return [...r.images.values()].map((i) => ({
      ...this.imageView(r, i),
      noReboot: i.noReboot,
      rebooted: i.rebooted ?? false,
    }));
  }

  /** What IAM sees of the image an EC2 call names (./authorization.ts): its tags, for retention's conditions. */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    if (action !== 'ec2:DeregisterImage') return undefined;
    return { resourceTags: tagValues(this.region(region).images.get(String(input.ImageId))?.Tags) };
  }
}

export const amiModel = defineModelService({
  name: 'amis',
  needs: ['ec2', 'kms', 'regions'],
  build: (core, needs: { ec2: Ec2Backend; kms: KmsBackend; regions: RegionsBackend }) =>
    new AmiBackend(core, needs.ec2, needs.kms, needs.regions),
  operations: ['addImage', 'describeImages', 'createImage', 'disableImage', 'deregisterImage', 'copyImage', 'images'],
  hooks: {
    // An image is done when its last snapshot is.
    finishedAtMs: (amis, region, id) => {
      const r = amis.region(region);
      const image = r.images.get(id);
      if (!image) return undefined;
      const snapshotEnds = image.snapshotIds.map((s) => {
        const snapshot = r.snapshots.get(s);
        return snapshot ? finishedAt(snapshot) : 0;
      });
      return Math.max(image.creationMs ?? 0, ...snapshotEnds);
    },
  },
});
