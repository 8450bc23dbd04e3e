/**
 * MultiRegionRun (issue #11 item 5): the real ASL and handlers against the AWS model with three
 * configured regions, one of them also the copy target. Every resource is backed up in its own region,
 * copied to the target unless it already lives there (that copy is SKIPPED with a note, never an
 * error), and a later run's retention deletes expired backups in every configured region, including
 * one where that run found nothing. The state table, `status` and the run report show each region.
 */
import { resourceTable } from '../../cli/commands/run-views';
import { renderReport } from '../../cli/report/render-report';
import { BACKUP_TAG } from '../../local/estates/fleet';
import type { AwsModel } from '../../local/model';
import { startSandbox } from '../../local/sandbox';
import { TAG } from '../../shared/tags';
import { openSandbox, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const START = new Date('2026-03-02T02:00:00.000Z');
const HOME = 'eu-west-1';
const TARGET = 'us-east-1';
const QUIET = 'ap-southeast-2';
const REGIONS = [HOME, TARGET, QUIET];
const KEY_ALIAS = 'alias/backup-dr';

type Tags = { Key?: string; Value?: string }[] | undefined;
const tagOf = (tags: Tags, key: string) => tags?.find((t) => t.Key === key)?.Value;

/** Every backup of the pipeline in a region, EBS and RDS, as `run-id source` (originals and copies). */
function backupsIn(model: AwsModel, region: string): { id: string; runId?: string; source?: string; copy: boolean }[] {
  const ebs = model.snapshots(region).map((s) => ({ id: s.SnapshotId, tags: s.Tags as Tags }));
  const rds = model.dbSnapshots(region).map((s) => ({ id: s.DBSnapshotIdentifier, tags: s.TagList as Tags }));
  return [...ebs, ...rds]
    .filter((b) => tagOf(b.tags, TAG.managedBy))
    .map((b) => ({
      id: b.id,
      runId: tagOf(b.tags, TAG.runId),
      source: tagOf(b.tags, TAG.source),
      copy: tagOf(b.tags, TAG.sourceRegion) !== undefined,
    }));
}

describe('MultiRegionRun', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await openSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('backs up each region in place, copies to the target except from it, and expires backups in every region', async () => {
    // Prepare: in each region an instance with two volumes, a standalone volume and an RDS instance
    // (encrypted, so copies to us-east-1 need its key), and the key there.
    await sandbox.reset({ config: { regions: REGIONS, notifyOnSuccess: true }, clockStart: START });
    const { model, scheduler, store } = sandbox;
    const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];
    const estate = REGIONS.map((region) => ({
      region,
      instance: model.addInstance(region, {
        Tags: tagged(`app-${region}`),
        volumes: [
          { Size: 20, snapshotSeconds: 600 },
          { Size: 50, snapshotSeconds: 900 },
        ],
      }),
      volume: model.addVolume(region, { Size: 100, Tags: tagged(`data-${region}`), snapshotSeconds: 1200 }),
      db: model.addDbInstance(region, {
        DBInstanceIdentifier: `orders-${region}`,
        AllocatedStorage: 50,
        TagList: tagged(`orders-${region}`),
        snapshotSeconds: 1800,
      }),
    }));
    model.addKmsKey(TARGET, { alias: KEY_ALIAS });
    const input = { tier: 'daily', copyTo: [{ region: TARGET, kmsKeyId: KEY_ALIAS }] };

    // Act 1: the first run.
    const first = await sandbox.run(input, 'multi-region-1');

    // Assess 1: every resource COMPLETED, recorded with its own region.
    expect(first.status).toBe('SUCCEEDED');
    const records = await store.listResources('multi-region-1');
    expect(records.map((r) => `${r.region} ${r.resourceId} ${r.status}`).sort()).toEqual(
      estate
        .flatMap((e) =>
          [e.instance.InstanceId, e.volume.VolumeId, e.db.DBInstanceIdentifier].map(
            (id) => `${e.region} ${id} COMPLETED`,
          ),
        )
        .sort(),
    );
    // Each backup is in its source's region; copies only in the target, never of the target's own sources.
    for (const region of REGIONS) {
      const originals = backupsIn(model, region).filter((b) => !b.copy);
      const sources = records.filter((r) => r.region === region).map((r) => r.arn);
      expect(new Set(originals.map((b) => b.source))).toEqual(new Set(sources));
      // The instance's two snapshots, the volume's and the database's.
      expect(originals).toHaveLength(4);
    }
    const copies = backupsIn(model, TARGET).filter((b) => b.copy);
    expect(new Set(copies.map((c) => c.source))).toEqual(
      new Set(records.filter((r) => r.region !== TARGET).map((r) => r.arn)),
    );
    for (const region of [HOME, QUIET]) expect(backupsIn(model, region).filter((b) => b.copy)).toEqual([]);
    for (const r of records) {
      expect(r.copies).toEqual([
        r.region === TARGET
          ? expect.objectContaining({
              region: TARGET,
              status: 'SKIPPED',
              reason: `not copied: ${TARGET} is the source's own region, where its backup already is`,
            })
          : expect.objectContaining({ region: TARGET, status: 'COMPLETED' }),
      ]);
    }
    // status, the run report and the notification show each resource's region.
    const table = resourceTable(records).split('\n');
    expect(table[0]).toMatch(/^RESOURCE\s+TYPE\s+REGION\s+STATUS/);
    for (const r of records) {
      expect(table.find((line) => line.startsWith(r.resourceId))).toMatch(new RegExp(`\\s${r.region}\\s+COMPLETED`));
    }
    const run = await store.getRun('multi-region-1');
    if (!run) throw new Error('the run record is missing');
    const report = renderReport({ run, resources: records, generatedAt: scheduler.now() });
    expect(report).toContain('<th>region</th>');
    // Each region's 3 resources, in the timeline and in "Backups made" (the storage estimate after them
    // has its own line per region and backup kind).
    const [resourceSections = '', storage = ''] = report.split('<h2>Estimated snapshot storage cost</h2>');
    for (const region of REGIONS) {
      expect(resourceSections.split(`<td class="region">${region}</td>`)).toHaveLength(1 + 2 * 3);
      expect(storage).toContain(`<td class="region">${region}</td>`);
    }
    expect(model.sns.at(-1)?.Message).toContain(
      'By region: ap-southeast-2: 3 completed; eu-west-1: 3 completed; us-east-1: 3 completed.',
    );

    // Act 2: a second run the next day; then ap-southeast-2's resources lose their tag, and ten days
    // after the first run a third run finds nothing there.
    await scheduler.sleep(START.getTime() + DAY - scheduler.nowMs());
    expect((await sandbox.run(input, 'multi-region-2')).status).toBe('SUCCEEDED');
    const quiet = estate.find((e) => e.region === QUIET);
    if (!quiet) throw new Error('no estate in the quiet region');
    quiet.instance.Tags = [];
    quiet.volume.Tags = [];
    quiet.db.TagList = [];
    await scheduler.sleep(START.getTime() + 10 * DAY - scheduler.nowMs());
    const third = await sandbox.run(input, 'multi-region-3');

    // Assess 2: the third run backed up only the two regions still tagged ...
    expect(third.status).toBe('SUCCEEDED');
    const thirdRecords = await store.listResources('multi-region-3');
    expect(new Set(thirdRecords.map((r) => r.region))).toEqual(new Set([HOME, TARGET]));
    // ... and its retention deleted the first run's expired backups in every region, the quiet one too.
    for (const region of REGIONS) {
      expect(backupsIn(model, region).filter((b) => b.runId === 'multi-region-1')).toEqual([]);
    }
    const decisions = (await store.getRun('multi-region-3'))?.retentionDecisions ?? [];
    expect(new Set(decisions.filter((d) => d.action === 'delete').map((d) => d.region))).toEqual(new Set(REGIONS));
    // The quiet region keeps its sources' last complete restore point (the second run's), original and copy.
    const kept = backupsIn(model, QUIET).filter((b) => !b.copy);
    expect(kept).toHaveLength(4);
    expect(kept.every((b) => b.runId === 'multi-region-2')).toBe(true);
    const quietCopies = backupsIn(model, TARGET).filter(
      (b) => b.copy && records.some((r) => r.region === QUIET && r.arn === b.source),
    );
    expect(quietCopies.map((b) => b.runId)).toEqual(Array(4).fill('multi-region-2'));
  });
});

describe('MultiRegionSandbox', () => {
  it('spreads a generated fleet over the given regions, enables them, and backs up each region in place', async () => {
    // Prepare: the sandbox as the bench starts it, with the fleet in three regions.
    const sandbox = await startSandbox({
      fleet: { kind: 'generated', size: 66, minSeconds: 60, maxSeconds: 600, regions: REGIONS },
      tokenBuckets: false,
    });
    try {
      // Act
      const execution = sandbox.sfn.startExecution(sandbox.stateMachineArn, 'generated-3-regions', '{}');
      const result = await execution.done;

      // Assess: the Lambdas were given the regions, and every region's third of the fleet was backed up there.
      expect(sandbox.config.regions).toEqual(REGIONS);
      expect(process.env.REGIONS).toBe(JSON.stringify(REGIONS));
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('generated-3-regions');
      const perRegion = Object.fromEntries(
        REGIONS.map((region) => [
          region,
          records.filter((r) => r.region === region && r.status === 'COMPLETED').length,
        ]),
      );
      expect(perRegion).toEqual({ [HOME]: 22, [TARGET]: 22, [QUIET]: 22 });
      for (const region of REGIONS) {
        expect(sandbox.model?.enabledRegions).toContain(region);
        expect(backupsIn(sandbox.model as AwsModel, region).length).toBeGreaterThan(0);
      }
    } finally {
      await sandbox.close();
    }
  });
});
