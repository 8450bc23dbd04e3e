/**
 * PlanAtScale (issue #11 item 1): a run of 80 resources through the real workflow over the wire, as
 * `npm start` runs it, with every state payload as small as at 20 resources (the item list and the
 * Map's results in S3). Plan writes the item list to S3 whatever the fleet's size, so a fleet four times
 * larger shows that nothing grows with it (80 refs inline would be about 13 KiB, past the bound below,
 * and 10 KiB more than at 20 against a 64-byte tolerance: the smallest fleets that show it, issue #20); the 1,000- and 10,000-resource runs are the bench's (`npm run bench`: the largest payload at
 * 10, 100 and 1,000 resources, checked within 1 KiB of each other and under the 256 KiB limit;
 * `bench/scale.ts`: the payload of a 10,000-resource run), not the test suite's (issue #20).
 */
import { withSandbox } from '../support/wire-sandbox';

// 100 resources through the real workflow (2,100 took past 3 minutes on a loaded 2-core CI machine).
jest.setTimeout(300_000);

describe('PlanAtScale', () => {
  /** One run over a generated fleet of `size` resources, on the wire as `npm start` runs it. */
  const runFleet = (size: number) =>
    withSandbox(
      {
        fleet: { kind: 'generated', size, minSeconds: 60, maxSeconds: 600 },
        tokenBuckets: false,
        // The manual RDS snapshot quotas an operator of this size has raised (AWS's default is 100 each).
        limits: { manualDbSnapshotsPerRegion: 10_000, manualDbClusterSnapshotsPerRegion: 10_000 },
      },
      async (sandbox) => {
        // Same-length run ids: the payloads then differ only by what grows with the fleet.
        const runId = `run-${String(size).padStart(4, '0')}`;
        const result = await sandbox.sfn.startExecution(sandbox.stateMachineArn, runId, '{}').done;
        const keys = sandbox.model?.objectKeys(sandbox.bucketName, `runs/${runId}/`) ?? [];
        const items = sandbox.model?.getObject(sandbox.bucketName, `runs/${runId}/items.json`);
        return { result, keys, items: JSON.parse(items?.body ?? '[]') as unknown[] };
      },
    );

  it('backs up 80 resources through the S3 item list, every state payload as small as at 20', async () => {
    // Act
    const small = await runFleet(20);
    const large = await runFleet(80);

    // Assess
    expect([large.result.status, large.result.error, large.result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(small.result.status).toBe('SUCCEEDED');
    // The item list lives in the sandbox's S3, the Map's results beside it (ResultWriter's manifest).
    expect(large.items).toHaveLength(80);
    expect(large.keys).toEqual(
      expect.arrayContaining([
        'runs/run-0080/items.json',
        expect.stringMatching(/^runs\/run-0080\/results\/.+\/manifest\.json$/),
      ]),
    );
    // 80 refs inline would be about 13 KiB; the largest payload stays a few KiB, fleet or not.
    expect(large.result.stats.payloadHighWaterBytes).toBeLessThan(8 * 1024);
    expect(Math.abs(large.result.stats.payloadHighWaterBytes - small.result.stats.payloadHighWaterBytes)).toBeLessThan(
      64,
    );
    expect(large.result.stats.childHistoryEventsByMap['Back up each resource']).toHaveLength(80);
    const output = large.result.output as { plan: Record<string, unknown>; backups: Record<string, unknown> };
    expect(output.plan).not.toHaveProperty('resources');
    expect(output.plan.items).toMatchObject({ key: 'runs/run-0080/items.json', count: 80 });
    expect(output.backups).toMatchObject({ mapRunArn: expect.stringContaining(':mapRun:') });
  }, 300_000);
});
