/**
 * No overlapping runs of a tier (issue #11 item 4), with the real ASL and handlers: a start of a tier
 * while its previous run still waits on long snapshots is skipped (it backs nothing up, the execution
 * succeeds saying so, RunsSkipped is counted and operators are notified); a run of another tier is not
 * blocked, and once the long run ends the tier's next run proceeds. Both transports: the SDK answered
 * in-process, and the local sandbox over the wire (its Step Functions API answers DescribeExecution).
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { TAG } from '../../shared/tags';
import { captureSingleMetrics } from '../support/metrics-capture';
import { openSandbox, openWireSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

describe.each([
  ['sdk mocks', openSandbox],
  ['emulator over the wire', openWireSandbox],
] as const)('OverlappingRunSkipped (%s)', (transport, open) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await open();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  /** Execution names unique per transport (the state table outlives a reset). */
  const id = (name: string) => `${transport.replace(/ /g, '-')}-${name}`;

  it('skips a start of the tier while its previous run still runs, blocks no other tier, and lets the next run proceed', async () => {
    // Prepare: one volume whose snapshot takes 6 hours; the daily run starts and waits on it.
    await sandbox.reset();
    const volume = sandbox.model.addVolume(REGION, {
      Size: 500,
      Tags: [{ Key: 'Name', Value: 'big' }, BACKUP_TAG],
      snapshotSeconds: 6 * 3600,
    });
    const metricsSeen = captureSingleMetrics();
    const first = sandbox.run({ tier: 'daily' }, id('first'));
    await sandbox.scheduler.sleep(3600_000);
    const firstRun = (await sandbox.store.listRuns(5)).find((r) => r.runId === id('first'));
    expect(firstRun?.status).toBe('RUNNING');

    // Act: a second daily start an hour in, and a weekly run beside it.
    const second = await sandbox.run({ tier: 'daily' }, id('second'));
    const weekly = await sandbox.run({ tier: 'weekly' }, id('weekly'));
    const firstResult = await first;
    const third = await sandbox.run({ tier: 'daily' }, id('third'));
    metricsSeen.restore();

    // Assess: the second start was skipped, naming the run it yielded to; nothing was backed up by it.
    const holder = firstRun as NonNullable<typeof firstRun>;
    const skippedFor = { runId: holder.runId, executionArn: holder.executionArn, startedAt: holder.startedAt };
    const secondId = id('second');
    expect({ status: second.status, error: second.error, cause: second.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(second.output).toEqual({ status: 'SKIPPED', runId: secondId, tier: 'daily', skippedFor });
    expect(await sandbox.store.getRun(secondId)).toMatchObject({ status: 'SKIPPED', skippedFor });
    expect(await sandbox.store.listResources(secondId)).toEqual([]);
    const snapshotsOf = (runId: string) =>
      sandbox.model
        .snapshots(REGION)
        .filter((s) => s.Tags?.some((t) => t.Key === TAG.runId && t.Value === runId) && s.VolumeId === volume.VolumeId);
    expect(snapshotsOf(secondId)).toEqual([]);
    expect(metricsSeen.published.filter((m) => m.name === 'RunsSkipped')).toEqual([
      { name: 'RunsSkipped', tier: 'daily' },
    ]);
    const notice = sandbox.model.sns.find((m) => m.Subject?.includes('run skipped'));
    expect(notice?.Subject).toBe(`backup-pipeline daily: run skipped, ${holder.runId} still running`);
    expect(notice?.Message).toContain(
      `daily run ${secondId} skipped: run ${holder.runId} still running since ${holder.startedAt}`,
    );
    // The weekly run was not blocked; the first ran to the end; the third daily run proceeded normally.
    expect(weekly.status).toBe('SUCCEEDED');
    expect((await sandbox.store.getRun(id('weekly')))?.status).toBe('SUCCEEDED');
    expect(firstResult.status).toBe('SUCCEEDED');
    expect(snapshotsOf(holder.runId)).toHaveLength(1);
    const thirdId = id('third');
    expect(third.status).toBe('SUCCEEDED');
    expect(await sandbox.store.getRun(thirdId)).toMatchObject({ status: 'SUCCEEDED' });
    expect((await sandbox.store.listResources(thirdId)).map((r) => r.status)).toEqual(['COMPLETED']);
  });
});
