/**
 * EC2: instances, EBS volumes, EBS snapshots (CreateSnapshot(s), DeleteSnapshot, CopySnapshot) and tags.
 * Owns the EC2 per-region state, AMIs included (an AMI holds EBS snapshots, so both live in one region
 * state; the AMI operations are in ec2-images.ts, the restores in ec2-restore.ts, over the same store).
 * It asks KMS for a copy's key and the regions backend whether a source region is enabled.
 */

import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  COPY_SLOWDOWN,
  candidates,
  copiesWithSource,
  type Filter,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  RegionStore,
  type Tag,
} from './core';
import { EC2_ESTATE_SEEDS, type Ec2SeedOps } from './ec2-estates';
import { launchView, stateReasonView } from './ec2-launch';
import type { RegionsBackend } from './ec2-regions';
import { EC2_API } from './ec2-regions';
import type { EstateSeeding } from './estate-seeds';
import { KEY_REFUSED_FAIL_AT, type KmsBackend } from './kms';
import { settle, settleAll } from './lifecycle';
import { matchesFilter, paginate } from './query';

export type { Ec2RegionState, ImageModel, InstanceModel, SnapshotModel, VolumeModel } from './ec2-state';

import type { Ec2RegionState, InstanceModel, PendingIndex, SnapshotModel, VolumeModel } from './ec2-state';
import { defineModelService } from './registry';

/** EBS's limits with AWS's defaults (the model's options may override each). */
export const EBS_LIMITS = {
  pendingSnapshotsPerRegion: 100,
  concurrentSnapshotsPerVolume: 5,
  secondsBetweenSnapshotsPerVolume: 15,
  /**
   * Snapshot copies in progress into one destination region (pending CopySnapshot and CopyImage copies).
   * RDS has its own 20, counted apart under the same name (rds.ts).
   */
  concurrentCopiesPerRegion: 20,
};

/** The instance a volume is attached to: none once it is no longer `in-use` (detached at termination). */
const attachedTo = (v: VolumeModel): string | undefined => (v.State === 'in-use' ? v.attachedTo : undefined);

export class Ec2Backend
  extends RegionalBackend<Ec2RegionState>
  implements EstateSeeding<Ec2SeedOps>, AuthorizationLookup
{
  private readonly limits = this.core.limitsOf(EBS_LIMITS);
  /** What it seeds into the sandbox's estates (./estate-seeds.ts). */
  readonly estateSeeds = EC2_ESTATE_SEEDS;
  constructor(
    core: ModelCore,
    private readonly kms: KmsBackend,
    private readonly regions: RegionsBackend,
  ) {
    super(
      core,
      new RegionStore(() => ({
        instances: new Map(),
        volumes: new Map(),
        snapshots: new Map(),
        images: new Map(),
        lastSnapshotAtByVolume: new Map(),
        pending: { byEnd: [], ids: new Set(), perVolume: new Map(), copies: 0 },
      })),
    );
  }

  addVolume(region: string, v: Partial<VolumeModel> & { Size: number }): VolumeModel {
    const volume: VolumeModel = {
      VolumeId: v.VolumeId ?? this.nextId('vol'),
      VolumeType: 'gp3',
      AvailabilityZone: `${region}a`,
      Tags: [],
      State: 'available',
      snapshotSeconds: v.snapshotSeconds ?? Math.round(60 + v.Size * 12 * (0.7 + this.random() * 0.7)),
      ...v,
    };
    this.region(region).volumes.set(volume.VolumeId, volume);
    return volume;
  }

  addInstance(
    region: string,
    i: Partial<InstanceModel> & { volumes: (Partial<VolumeModel> & { Size: number })[] },
  ): InstanceModel {
    const instanceId = i.InstanceId ?? this.nextId('i');
    // The root (first) attached at launch is deleted on termination; the others, attached after, preserved.
    const volumeIds = i.volumes.map(
      (v, n) =>
        this.addVolume(region, { deleteOnTermination: n === 0, ...v, State: 'in-use', attachedTo: instanceId })
          .VolumeId,
    );
    const { volumes: _volumes, ...rest } = i;
    const instance: InstanceModel = {
      InstanceId: instanceId,
      State: 'running',
      InstanceType: 'm7g.large',
      Tags: [],
      ...rest,
      volumeIds,
    };
    this.region(region).instances.set(instanceId, instance);
    return instance;
  }

  /** A snapshot that already exists (history for retention). */
  addExistingSnapshot(
    region: string,
    s: Partial<SnapshotModel> & { VolumeId: string; startMs: number },
  ): SnapshotModel {
    const snapshot: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeSize: 8,
      Description: '',
      Tags: [],
      OwnerId: this.accountId,
      Encrypted: true,
      durationMs: 0,
      ...s,
    };
    this.track(this.region(region), snapshot);
    return snapshot;
  }

  describeInstances(
    region: string,
    input: { InstanceIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate(EC2_API, 'DescribeInstances');
    const r = this.region(region);
    if (input.InstanceIds?.length && input.MaxResults !== undefined) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    if (!input.InstanceIds?.length) settleAll(r.instances, this.nowMs(), 'State');
    for (const id of input.InstanceIds ?? []) {
      if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
      if (!settle(r.instances, id, this.nowMs(), 'State'))
        throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
    const selected = candidates(r.instances, input.InstanceIds).filter((i) =>
      (input.Filters ?? []).every((f) =>
        matchesFilter(
          i.Tags,
          { 'instance-state-name': i.State, 'instance-id': i.InstanceId, 'instance-type': i.InstanceType },
          f,
        ),
      ),
    );
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    const deletes = (id: string, n: number) => r.volumes.get(id)?.deleteOnTermination ?? n === 0;
    return {
      Reservations: page.map((i) => ({
        ReservationId: `r-${i.InstanceId.slice(2)}`,
        OwnerId: this.accountId,
        Instances: [
          {
            InstanceId: i.InstanceId,
            InstanceType: i.InstanceType,
            State: {
              Name: i.State,
              Code: { pending: 0, running: 16, 'shutting-down': 32, stopping: 64, stopped: 80, terminated: 48 }[
                i.State
              ],
            },
            Tags: i.Tags,
            ...launchView(region, i.launch),
            ...stateReasonView(i),
            BlockDeviceMappings: i.volumeIds.map((volumeId, index) => ({
              DeviceName: index === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(102 + index)}`,
              Ebs: { VolumeId: volumeId, Status: 'attached', DeleteOnTermination: deletes(volumeId, index) },
            })),
          },
        ],
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  describeVolumes(
    region: string,
    input: { VolumeIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate(EC2_API, 'DescribeVolumes');
    const r = this.region(region);
    if (!input.VolumeIds?.length) settleAll(r.volumes, this.nowMs(), 'State');
    for (const id of input.VolumeIds ?? []) {
      if (!settle(r.volumes, id, this.nowMs(), 'State'))
        throw new AwsApiError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    }
    const selected = candidates(r.volumes, input.VolumeIds).filter((v) =>
      (input.Filters ?? []).every((f) =>
        matchesFilter(
          v.Tags,
          { status: v.State, 'volume-id': v.VolumeId, 'attachment.instance-id': attachedTo(v) ?? [] },
          f,
        ),
      ),
    );
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken, 500);
    return {
      Volumes: page.map((v) => ({
        VolumeId: v.VolumeId,
        Size: v.Size,
        VolumeType: v.VolumeType,
        AvailabilityZone: v.AvailabilityZone,
        State: v.State,
        Encrypted: v.Encrypted ?? true,
        ...(v.KmsKeyId ? { KmsKeyId: v.KmsKeyId } : {}),
        ...(v.Iops ? { Iops: v.Iops } : {}),
        ...(v.Throughput ? { Throughput: v.Throughput } : {}),
        ...(v.SnapshotId ? { SnapshotId: v.SnapshotId } : {}),
        Tags: v.Tags,
        Attachments: attachedTo(v)
          ? [{ InstanceId: attachedTo(v), VolumeId: v.VolumeId, State: 'attached', Device: '/dev/xvda' }]
          : [],
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  snapshotView(s: SnapshotModel) {
    const { state, progress } = this.phase(s);
    return {
      SnapshotId: s.SnapshotId,
      VolumeId: s.VolumeId,
      VolumeSize: s.VolumeSize,
      State: state,
      StateMessage: state === 'error' ? 'Snapshot failed: internal error (simulated)' : undefined,
      Progress: `${progress}%`,
      StartTime: new Date(s.startMs),
      Description: s.Description,
      OwnerId: s.OwnerId,
      Encrypted: s.Encrypted,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      Tags: s.Tags,
    };
  }

  describeSnapshots(
    region: string,
    input: { SnapshotIds?: string[]; OwnerIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate(EC2_API, 'DescribeSnapshots');
    const r = this.region(region);
    for (const id of input.SnapshotIds ?? []) {
      if (!r.snapshots.has(id))
        throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    }
    const selected = candidates(r.snapshots, input.SnapshotIds).filter((s) => {
      if (
        input.OwnerIds?.length &&
        !input.OwnerIds.some((o) => (o === 'self' ? s.OwnerId === this.accountId : o === s.OwnerId))
      )
        return false;
      const view = this.phase(s);
      const byTag = (input.Filters ?? []).some((f) => f.Name?.startsWith('tag:'));
      if (byTag && this.nowMs() - s.startMs < this.faults.tagFilterLagSeconds * 1000) return false;
      return (input.Filters ?? []).every((f) =>
        matchesFilter(
          s.Tags,
          { status: view.state, 'volume-id': s.VolumeId, 'snapshot-id': s.SnapshotId, 'owner-id': s.OwnerId },
          f,
        ),
      );
    });
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    return { Snapshots: page.map((s) => this.snapshotView(s)), ...(next ? { NextToken: next } : {}) };
  }

  /** Every new snapshot or copy of the region goes through here (CopyImage's copies too). */
  track(r: Ec2RegionState, snapshot: SnapshotModel): void {
    r.snapshots.set(snapshot.SnapshotId, snapshot);
    if (this.phase(snapshot).state !== 'pending') return;
    const end = snapshot.startMs + snapshot.durationMs * Math.min(1, snapshot.failAt ?? 1);
    const entry = { endMs: end, id: snapshot.SnapshotId, volumeId: snapshot.VolumeId, copy: !!snapshot.copiedFrom };
    const { byEnd } = r.pending;
    let lo = 0;
    let hi = byEnd.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((byEnd[mid]?.endMs ?? 0) > end) lo = mid + 1;
      else hi = mid;
    }
    byEnd.splice(lo, 0, entry);
    r.pending.ids.add(entry.id);
    r.pending.perVolume.set(entry.volumeId, (r.pending.perVolume.get(entry.volumeId) ?? 0) + 1);
    if (entry.copy) r.pending.copies++;
  }

  /** Drops what has ended (or was deleted) from the pending index; returns it, current. */
  private pendingNow(r: Ec2RegionState): PendingIndex {
    const now = this.nowMs();
    const { byEnd } = r.pending;
    for (let last = byEnd.at(-1); last && last.endMs <= now; last = byEnd.at(-1)) {
      byEnd.pop();
      this.release(r.pending, last);
    }
    return r.pending;
  }

  private release(pending: PendingIndex, entry: PendingIndex['byEnd'][number]): void {
    if (!pending.ids.delete(entry.id)) return;
    pending.perVolume.set(entry.volumeId, (pending.perVolume.get(entry.volumeId) ?? 1) - 1);
    if (entry.copy) pending.copies--;
  }

  assertCanSnapshot(r: Ec2RegionState, volume: VolumeModel): void {
    const pending = this.pendingNow(r);
    if (pending.ids.size >= this.limits.pendingSnapshotsPerRegion) {
      throw new AwsApiError(
        'PendingSnapshotLimitExceeded',
        `The maximum number of pending snapshots (${this.limits.pendingSnapshotsPerRegion}) has been reached.`,
      );
    }
    const perVolume = pending.perVolume.get(volume.VolumeId) ?? 0;
    const max =
      volume.VolumeType === 'st1' || volume.VolumeType === 'sc1' ? 1 : this.limits.concurrentSnapshotsPerVolume;
    if (perVolume >= max) {
      throw new AwsApiError(
        'ConcurrentSnapshotLimitExceeded',
        `Too many concurrent snapshots for volume ${volume.VolumeId}.`,
      );
    }
    const last = r.lastSnapshotAtByVolume.get(volume.VolumeId);
    if (last !== undefined && this.nowMs() - last < this.limits.secondsBetweenSnapshotsPerVolume * 1000) {
      throw new AwsApiError(
        'SnapshotCreationPerVolumeRateExceeded',
        `The maximum per volume CreateSnapshot request rate has been exceeded for ${volume.VolumeId}.`,
      );
    }
  }

  createSnapshotOf(region: string, volume: VolumeModel, description: string, tags: Tag[]): SnapshotModel {
    const r = this.region(region);
    const snapshot: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeId: volume.VolumeId,
      VolumeSize: volume.Size,
      Description: description,
      Tags: tags,
      OwnerId: this.accountId,
      // As its volume is encrypted (seeded volumes are), under the volume's key.
      Encrypted: volume.Encrypted ?? true,
      ...((volume.Encrypted ?? true) && volume.KmsKeyId ? { KmsKeyId: volume.KmsKeyId } : {}),
      ...this.timing(volume.snapshotSeconds),
    };
    this.track(r, snapshot);
    r.lastSnapshotAtByVolume.set(volume.VolumeId, this.nowMs());
    return snapshot;
  }

  createSnapshot(
    region: string,
    input: { VolumeId?: string; Description?: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] },
  ) {
    this.gate(EC2_API, 'CreateSnapshot');
    const r = this.region(region);
    const volume = input.VolumeId ? r.volumes.get(input.VolumeId) : undefined;
    if (!volume) throw new AwsApiError('InvalidVolume.NotFound', `The volume '${input.VolumeId}' does not exist.`);
    if (volume.State === 'error' || volume.State === 'creating' || volume.State === 'deleting')
      throw new AwsApiError('IncorrectState', `Volume ${volume.VolumeId} is in ${volume.State} state.`);
    this.assertCanSnapshot(r, volume);
    const tags = (input.TagSpecifications ?? [])
      .filter((t) => t.ResourceType === 'snapshot')
      .flatMap((t) => t.Tags ?? []);
    const s = this.createSnapshotOf(region, volume, input.Description ?? '', tags);
    return this.created(EC2_API, { ...this.snapshotView(s) });
  }

  createSnapshots(
    region: string,
    input: {
      InstanceSpecification?: { InstanceId?: string; ExcludeBootVolume?: boolean };
      Description?: string;
      CopyTagsFromSource?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate(EC2_API, 'CreateSnapshots');
    const r = this.region(region);
    const instanceId = input.InstanceSpecification?.InstanceId;
    const instance = instanceId ? r.instances.get(instanceId) : undefined;
    if (!instance)
      throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    if (instance.State === 'terminated')
      throw new AwsApiError('IncorrectInstanceState', `Instance ${instanceId} is terminated.`);
    const volumes = instance.volumeIds
      .slice(input.InstanceSpecification?.ExcludeBootVolume ? 1 : 0)
      .map((id) => r.volumes.get(id))
      .filter((v): v is VolumeModel => v !== undefined);
    // All-or-nothing, as AWS does: check every volume before creating any snapshot.
    for (const v of volumes) this.assertCanSnapshot(r, v);
    const tags = (input.TagSpecifications ?? [])
      .filter((t) => t.ResourceType === 'snapshot')
      .flatMap((t) => t.Tags ?? []);
    // CopyTagsFromSource=volume: each snapshot also gets its volume's tags (explicit tags win on a clash).
    const withVolumeTags = (v: VolumeModel) =>
      input.CopyTagsFromSource === 'volume'
        ? [...v.Tags.filter((t) => !t.Key.startsWith('aws:') && !tags.some((x) => x.Key === t.Key)), ...tags]
        : tags;
    const snapshots = volumes.map((v) => this.createSnapshotOf(region, v, input.Description ?? '', withVolumeTags(v)));
    return this.created(EC2_API, {
      Snapshots: snapshots.map((s) => ({
        SnapshotId: s.SnapshotId,
        VolumeId: s.VolumeId,
        VolumeSize: s.VolumeSize,
        State: 'pending',
        Progress: '0%',
        StartTime: new Date(s.startMs),
        Description: s.Description,
        OwnerId: s.OwnerId,
        Tags: s.Tags,
      })),
    });
  }

  deleteSnapshot(region: string, input: { SnapshotId?: string }) {
    this.gate(EC2_API, 'DeleteSnapshot');
    const r = this.region(region);
    const id = input.SnapshotId ?? '';
    if (!r.snapshots.has(id)) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    const image = [...r.images.values()].find((i) => i.snapshotIds.includes(id));
    if (image) {
      throw new AwsApiError('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${image.ImageId}`);
    }
    const entry = r.pending.byEnd.find((e) => e.id === id);
    if (entry) this.release(r.pending, entry);
    r.snapshots.delete(id);
    return {};
  }

  /**
   * CreateTags on snapshots, images, volumes and instances (a key given again takes the new value), for
   * scenarios where an operator retags a backup; the pipeline itself tags only through TagSpecifications.
   */
  createTags(region: string, input: { Resources?: string[]; Tags?: Tag[] }) {
    this.gate(EC2_API, 'CreateTags');
    const r = this.region(region);
    for (const id of input.Resources ?? []) {
      const target = r.snapshots.get(id) ?? r.images.get(id) ?? r.volumes.get(id) ?? r.instances.get(id);
      if (!target) throw new AwsApiError('InvalidID', `The ID '${id}' is not valid`);
      for (const tag of input.Tags ?? []) {
        target.Tags = [...target.Tags.filter((t) => t.Key !== tag.Key), tag];
      }
    }
    return {};
  }

  /** EBS snapshot copies still pending in a destination region (CopySnapshot and CopyImage count against it). */
  copiesInProgress(region: string): number {
    return this.pendingNow(this.region(region)).copies;
  }

  /**
   * CopySnapshot, called in the destination region: a new snapshot of the same volume and size, pending
   * for longer than a fresh snapshot (the data crosses regions), encrypted with the given key (or the
   * destination's aws/ebs key), tagged from TagSpecifications. The source must be completed, a key must
   * exist in the destination, and at most `concurrentCopiesPerRegion` copies may be pending there.
   */
  copySnapshot(
    region: string,
    input: {
      SourceRegion?: string;
      SourceSnapshotId?: string;
      Description?: string;
      Encrypted?: boolean;
      KmsKeyId?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate(EC2_API, 'CopySnapshot');
    const sourceRegion = this.regions.assertSourceRegion(input.SourceRegion, 'SourceRegion');
    const sourceId = input.SourceSnapshotId;
    if (!sourceId) throw new AwsApiError('MissingParameter', 'The request must contain the parameter SourceSnapshotId');
    const source = this.region(sourceRegion).snapshots.get(sourceId);
    if (!source) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${sourceId}' does not exist.`);
    const sourceState = this.phase(source).state;
    if (sourceState !== 'completed')
      throw new AwsApiError('IncorrectState', `Snapshot is in invalid state - ${sourceState}`);
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== 'snapshot')
        throw new AwsApiError(
          'InvalidParameterValue',
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
    }
    if (input.KmsKeyId && input.Encrypted !== true)
      throw new AwsApiError('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted.');
    const key = input.KmsKeyId ? this.kms.findKmsKey(region, input.KmsKeyId) : undefined;
    if (input.KmsKeyId && !key)
      throw new AwsApiError('InvalidKMSKey.NotFound', `The KMS key '${input.KmsKeyId}' does not exist in ${region}.`);
    if (this.copiesInProgress(region) >= this.limits.concurrentCopiesPerRegion)
      throw new AwsApiError(
        'ResourceLimitExceeded',
        `Too many snapshot copies in progress. The limit is ${this.limits.concurrentCopiesPerRegion} for this destination region.`,
      );
    const encrypted = source.Encrypted || input.Encrypted === true;
    // Without a key an encrypted copy uses the destination's AWS managed key, as EBS does.
    const keyArn = key?.Arn ?? (encrypted ? this.kms.findKmsKey(region, 'alias/aws/ebs')?.Arn : undefined);
    // EBS encrypts the copy with the key for the caller: a key it may not use fails the copy (`error`).
    // It decrypts the source with the source's key (in its region) and encrypts the copy with this one.
    const refused =
      (source.Encrypted
        ? this.kms.keyUseRefusal(sourceRegion, source.KmsKeyId ?? 'alias/aws/ebs', 'ec2')
        : undefined) ?? (keyArn ? this.kms.keyUseRefusal(region, keyArn, 'ec2') : undefined);
    const volume = this.region(sourceRegion).volumes.get(source.VolumeId);
    const baseSeconds = volume?.snapshotSeconds ?? 60 + source.VolumeSize * 12;
    const copy: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeId: source.VolumeId,
      VolumeSize: source.VolumeSize,
      Description: input.Description ?? `[Copied ${source.SnapshotId} from ${sourceRegion}]`,
      Tags: (input.TagSpecifications ?? []).flatMap((t) => t.Tags ?? []),
      OwnerId: this.accountId,
      Encrypted: encrypted,
      ...(keyArn ? { KmsKeyId: keyArn } : {}),
      copiedFrom: { region: sourceRegion, id: source.SnapshotId },
      // Copies are slower than the snapshot was: the data crosses regions block by block.
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
      ...(refused ? { failAt: KEY_REFUSED_FAIL_AT } : {}),
    };
    this.track(this.region(region), copy);
    return this.created(EC2_API, { SnapshotId: copy.SnapshotId, Tags: copy.Tags });
  }

  snapshots(region: string) {
    return [...this.region(region).snapshots.values()].map((s) => this.snapshotView(s));
  }

  /** Copies in a destination region, per service, with where each came from (tests, the report). */
  snapshotCopies(region: string) {
    return copiesWithSource(this.region(region).snapshots.values(), (s) => this.snapshotView(s));
  }

  /**
   * What IAM sees of the snapshot, volume or instance an EC2 call names (./authorization.ts): its
   * tags, on which the retention and clean-up grants' aws:ResourceTag conditions are evaluated.
   */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    const tagsOf = (map: ReadonlyMap<string, { Tags?: Tag[] }>, id: unknown) =>
      ({ resourceTags: tagValues(map.get(String(id))?.Tags) }) satisfies AuthorizationContext;
    switch (action) {
      case 'ec2:DeleteSnapshot':
        return tagsOf(r.snapshots, input.SnapshotId);
      case 'ec2:DeleteVolume':
        return tagsOf(r.volumes, input.VolumeId);
      case 'ec2:TerminateInstances':
        return tagsOf(r.instances, (input.InstanceIds as string[] | undefined)?.[0]);
      default:
        return undefined;
    }
  }
}

export const ec2Model = defineModelService({
  name: 'ec2',
  needs: ['kms', 'regions'],
  build: (core, { kms, regions }: { kms: KmsBackend; regions: RegionsBackend }) => new Ec2Backend(core, kms, regions),
  operations: [
    'addVolume',
    'addInstance',
    'addExistingSnapshot',
    'describeInstances',
    'describeVolumes',
    'describeSnapshots',
    'createSnapshot',
    'createSnapshots',
    'deleteSnapshot',
    'createTags',
    'copySnapshot',
    'snapshots',
    'snapshotCopies',
  ],
  limits: EBS_LIMITS,
  hooks: {
    finishedAtMs: (ec2, region, id) => {
      const snapshot = ec2.region(region).snapshots.get(id);
      return snapshot && finishedAt(snapshot);
    },
    durationMs: (ec2, region, id) => ec2.region(region).snapshots.get(id)?.durationMs,
    copiesInProgress: (ec2, region) => ec2.copiesInProgress(region),
  },
});
