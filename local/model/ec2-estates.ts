/**
 * EC2's part of the sandbox's estates (./estate-seeds.ts): the demo's instances and standalone volumes,
 * the generated fleet's, and the retention estate's EBS snapshots (volumes' and 3-volume instances' sets,
 * the oldest instance set held by a hand-made AMI, another stack's and untagged snapshots).
 */
import { ebsVolumeArn, ec2InstanceArn } from '../../shared/services/ec2/catalog';
import { MODE_TAG } from '../../shared/services/modes';
import { arnPartition } from './core';
import type { ImageModel, InstanceModel, SnapshotModel, VolumeModel } from './ec2-state';
import type { RetentionSeedContext, TypeSeeds } from './estate-seeds';

/** The model's operations EC2's seeds call (the facade answers them: ./estate-seeds.ts). */
export interface Ec2SeedOps {
  readonly random: () => number;
  addInstance(
    region: string,
    i: Partial<InstanceModel> & { volumes: (Partial<VolumeModel> & { Size: number })[] },
  ): InstanceModel;
  addVolume(region: string, v: Partial<VolumeModel> & { Size: number }): VolumeModel;
  addExistingSnapshot(region: string, s: Partial<SnapshotModel> & { VolumeId: string; startMs: number }): SnapshotModel;
  addImage(region: string, image: Omit<ImageModel, 'ImageId'> & { ImageId?: string }): ImageModel;
  snapshots(region: string): readonly { SnapshotId?: string }[];
}

/** One EBS snapshot of a volume (ours, unless `withTags` is false) made by `runId` at `createdMs`. */
function ebsSnapshot(
  model: Ec2SeedOps,
  ctx: RetentionSeedContext,
  volumeId: string,
  source: string,
  runId: string,
  createdMs: number,
  withTags = true,
): string {
  return model.addExistingSnapshot(ctx.region, {
    VolumeId: volumeId,
    startMs: createdMs,
    Description: `backup-pipeline daily ${runId} ${volumeId}`,
    Tags: withTags ? ctx.tags(source, runId, createdMs) : [],
  }).SnapshotId;
}

const snapshotIds = (model: Ec2SeedOps, region: string) =>
  model.snapshots(region).flatMap((s) => (s.SnapshotId ? [s.SnapshotId] : []));

export const EC2_ESTATE_SEEDS: readonly TypeSeeds<Ec2SeedOps>[] = [
  {
    type: 'ec2-instance',
    demo: {
      // 1-3 volumes each, one stopped, one backed up as an AMI (chosen with the mode tag).
      tagged: (model, region, tags) =>
        [
          model.addInstance(region, { Tags: tags('web-1'), volumes: [{ Size: 30 }] }),
          model.addInstance(region, { Tags: tags('web-2'), volumes: [{ Size: 30 }, { Size: 100 }] }),
          model.addInstance(region, {
            Tags: tags('app-1'),
            volumes: [{ Size: 50 }, { Size: 200 }, { Size: 500, VolumeType: 'st1' }],
          }),
          model.addInstance(region, {
            Tags: tags('batch-1'),
            State: 'stopped',
            volumes: [{ Size: 80 }, { Size: 250 }],
          }),
          model.addInstance(region, {
            Tags: [...tags('build-1'), { Key: MODE_TAG, Value: 'ami' }],
            volumes: [{ Size: 40 }, { Size: 100 }],
          }),
        ].map((i) => i.InstanceId),
      untagged: (model, region, tags) => [
        model.addInstance(region, { Tags: tags('scratch'), volumes: [{ Size: 20 }] }).InstanceId,
      ],
      optedOut: (model, region, tags) => [
        model.addInstance(region, { Tags: tags('opted-out'), volumes: [{ Size: 20 }] }).InstanceId,
      ],
      regional: (model, region, tags) => [
        model.addInstance(region, { Tags: tags(`web-${region}`), volumes: [{ Size: 30 }] }).InstanceId,
      ],
    },
    generated: {
      perBlock: 14,
      add: (model, region, n, tags, duration) => {
        const count = 1 + (n % 3);
        const seconds = duration();
        return model.addInstance(region, {
          Tags: tags,
          volumes: Array.from({ length: count }, (_, i) => ({
            Size: 20 + i * 50,
            snapshotSeconds: i === 0 ? seconds : Math.round(seconds * model.random()),
          })),
        }).InstanceId;
      },
    },
    retention: {
      backupsPerDay: 3,
      estateShare: 0.54,
      seed: (model, i, ctx) => {
        const { region } = ctx;
        const source = ec2InstanceArn(arnPartition(region), region, ctx.accountId, `i-${region}-${i}`);
        for (let day = 0; day < ctx.days; day++) {
          const runId = `run-d${day}`;
          const ids = [0, 1, 2].map((n) =>
            ebsSnapshot(model, ctx, `vol-${region}-i${i}-${n}`, source, runId, ctx.createdOn(day)),
          );
          // The oldest set is registered in an AMI someone made by hand: held, so kept however old.
          const held = day === ctx.days - 1;
          if (held) {
            model.addImage(region, {
              Name: `hand-made-${region}-${i}`,
              snapshotIds: ids,
              Tags: [],
              creationMs: ctx.createdOn(day),
            });
          }
          for (const id of ids) ctx.owned(id, day, held);
        }
      },
      present: snapshotIds,
    },
  },
  {
    type: 'ebs-volume',
    demo: {
      tagged: (model, region, tags) =>
        [
          model.addVolume(region, { Size: 200, Tags: tags('shared-data') }),
          model.addVolume(region, { Size: 1000, Tags: tags('archive'), VolumeType: 'sc1' }),
        ].map((v) => v.VolumeId),
      untagged: (model, region, tags) => [model.addVolume(region, { Size: 10, Tags: tags('tmp') }).VolumeId],
      regional: (model, region, tags) => [
        model.addVolume(region, { Size: 100, Tags: tags(`data-${region}`) }).VolumeId,
      ],
    },
    generated: {
      perBlock: 3,
      add: (model, region, _n, tags, duration) =>
        model.addVolume(region, { Size: 100, Tags: tags, snapshotSeconds: duration() }).VolumeId,
    },
    retention: {
      backupsPerDay: 1,
      estateShare: 0.36,
      seed: (model, v, ctx) => {
        const { region } = ctx;
        const volumeId = `vol-${region}-${v}`;
        const source = ebsVolumeArn(arnPartition(region), region, ctx.accountId, volumeId);
        for (let day = 0; day < ctx.days; day++) {
          const runId = `run-d${day}`;
          ctx.owned(ebsSnapshot(model, ctx, volumeId, source, runId, ctx.createdOn(day)), day);
        }
        // Never ours: another stack's expired snapshot of the same volume, and an untagged one.
        const foreign = model.addExistingSnapshot(region, {
          VolumeId: volumeId,
          startMs: ctx.createdOn(ctx.days),
          Description: `backup-pipeline daily run-x ${volumeId}`,
          Tags: ctx.tags(source, 'run-x', ctx.createdOn(ctx.days), 'OtherStack@elsewhere'),
        }).SnapshotId;
        ctx.neverOurs(foreign);
        ctx.neverOurs(ebsSnapshot(model, ctx, volumeId, source, 'run-y', ctx.createdOn(ctx.days), false));
      },
      present: snapshotIds,
    },
  },
];
