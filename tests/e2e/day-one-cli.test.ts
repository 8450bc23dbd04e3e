/**
 * Day one, as an operator sees it through the CLI (child processes against a fresh sandbox): nothing the
 * CLI says is false before the first scheduled run. `status --rpo` measures the tiers that never ran from
 * the deploy, as the freshness alarms do, and exits 0; a dry run is marked as one in `runs` and in the
 * `status` overview, and does not count as a run.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  sandbox.model?.addVolume('eu-west-1', { Size: 20, Tags: [BACKUP_TAG] });
});
afterAll(async () => sandbox.close());

const cli = (args: string[]) => runCli(sandbox.env, args);

interface RpoView {
  tiers: { tier: string; breached: boolean; lastRunAt: string | null; lastRunAgeHours: number | null }[];
  resources: unknown[];
}

describe('day one', () => {
  it('status --rpo on a fresh install measures never-run tiers from the deploy, as the alarms do, and exits 0', async () => {
    // Act
    const table = await cli(['status', '--rpo']);
    const json = await cli(['status', '--rpo', '--json']);

    // Assess
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/RUN OVERDUE|NO SUCCESS WITHIN RPO/);
    expect(table.stdout).toMatch(/^daily +never +never +0\.\dh +30h$/m);
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as RpoView;
    expect(view.tiers.map((t) => t.tier).sort()).toEqual(['daily', 'monthly', 'weekly', 'yearly']);
    for (const t of view.tiers) {
      expect(t.breached).toBe(false);
      expect(t.lastRunAt).toBeNull();
      expect(t.lastRunAgeHours).toBeLessThan(1);
    }
    expect(view.resources).toEqual([]);
  });

  it('marks a dry run as one in runs and in the status overview, and status --rpo still exits 0', async () => {
    // Prepare
    const dry = await cli(['start', '--dry-run', '--name', 'daily-dry-1', '--poll-seconds', '0.1']);

    // Act
    const runs = await cli(['runs']);
    const overview = await cli(['status']);
    const rpo = await cli(['status', '--rpo']);

    // Assess
    expect(dry.code).toBe(0);
    expect(runs.stdout).toMatch(/^daily-dry-1 \(dry run\) +daily +SUCCEEDED /m);
    expect(overview.stdout).toMatch(/^daily-dry-1 \(dry run\) +daily +SUCCEEDED /m);
    expect(rpo.code).toBe(0);
  });

  it("names a run started without --name by the sandbox's clock, the one its records use", async () => {
    // Prepare: a snapshot of six simulated hours puts the sandbox's clock hours ahead of the wall clock.
    sandbox.model?.addVolume('eu-west-1', {
      Size: 100,
      Tags: [{ Key: 'long', Value: 'yes' }],
      snapshotSeconds: 6 * 3600,
    });
    const long = await cli([
      'start',
      '--tag',
      'long=yes',
      '--name',
      'weekly-long',
      '--tier',
      'weekly',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    expect(long.code).toBe(0);

    // Act
    const started = await cli(['start', '--tier', 'monthly', '--wait', '--poll-seconds', '0.1']);
    const name = /Started run (\S+)/.exec(started.stdout)?.[1] ?? '';
    const status = JSON.parse((await cli(['status', name, '--json'])).stdout) as { startedAt: string };

    // Assess: the id's time and the record's start time are one clock's, a few seconds apart at most.
    const stamp = /-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(name);
    expect(stamp).not.toBeNull();
    const [, y, mo, d, h, mi, se] = stamp ?? [];
    const named = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${se}Z`);
    expect(Math.abs(Date.parse(status.startedAt) - named)).toBeLessThan(60_000);
  });
});
