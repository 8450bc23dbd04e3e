/**
 * cli/commands/operate.ts rpoCommand (`status --rpo`): tiers on top, then the protected resources worst
 * first (most hours past their tier's RPO, then oldest), in the table and in --json alike, read from
 * the state table as the hourly check reads it.
 */
import { referenceTime, rpoCommand } from '../../../cli/commands/operate';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { resourceRecord, runRecord } from '../../support/unit-fixtures';
import { dbRef } from '../services/rds/fixtures';

const db = useUnitDynalite();
const HOUR = 3_600_000;

/** What the command writes, as one string. */
function sink(): { out: NodeJS.WritableStream; text(): string } {
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
    return true;
  };
  const out = { write } as unknown as NodeJS.WritableStream;
  return { out, text: () => text };
}

describe('rpoCommand', () => {
  it('lists tiers first (run overdue, no success), then resources most past their RPO first, in the table and in --json', async () => {
    // Prepare (times from the real clock, as the command reads it): daily RPO 30 h, weekly 180 h.
    const store = db().store();
    const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();
    const ref = dbRef;
    // weekly: w completed 198 h ago (18 h past 180 h).
    await store.createRun(runRecord('w-1', { tier: 'weekly', startedAt: ago(200), status: 'SUCCEEDED' }));
    await store.addResource(
      resourceRecord('w-1', ref('w'), { status: 'COMPLETED', queuedAt: ago(200), finishedAt: ago(198) }),
    );
    // daily: d completed 33 h ago then failed (3 h past 30 h); b never completed (10 h); a completed 8 h ago.
    await store.createRun(runRecord('d-1', { startedAt: ago(35), status: 'SUCCEEDED' }));
    await store.addResource(
      resourceRecord('d-1', ref('d'), { status: 'COMPLETED', queuedAt: ago(35), finishedAt: ago(33) }),
    );
    await store.createRun(runRecord('d-2', { startedAt: ago(10), status: 'FAILED' }));
    await store.addResource(
      resourceRecord('d-2', ref('d'), { status: 'FAILED', queuedAt: ago(10), finishedAt: ago(9) }),
    );
    await store.addResource(
      resourceRecord('d-2', ref('b'), { status: 'FAILED', queuedAt: ago(10), finishedAt: ago(9) }),
    );
    await store.addResource(
      resourceRecord('d-2', ref('a'), { status: 'COMPLETED', queuedAt: ago(10), finishedAt: ago(8) }),
    );
    const target = { table: db().tableName, stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:m' };
    const table = sink();
    const json = sink();

    // Act
    const code = await rpoCommand({ ...target, json: false, runs: 1000 }, table.out);
    await rpoCommand({ ...target, json: true, runs: 1000 }, json.out);

    // Assess
    const order = ['w', 'd', 'b', 'a'].map((id) => ref(id).arn);
    const view = JSON.parse(json.text()) as {
      tiers: { tier: string }[];
      resources: { arn: string; breached: boolean }[];
    };
    expect(view.resources.map((r) => r.arn)).toEqual(order);
    expect(view.resources.map((r) => r.breached)).toEqual([true, true, false, false]);
    const lines = table.text().split('\n');
    const tierHeader = lines.findIndex((l) => l.startsWith('TIER'));
    const resourceHeader = lines.findIndex((l) => l.startsWith('RESOURCE'));
    expect(tierHeader).toBe(0);
    expect(resourceHeader).toBeGreaterThan(view.tiers.length);
    expect(lines.slice(resourceHeader + 1, resourceHeader + 5).map((l) => l.split(/\s+/)[0])).toEqual(order);
    expect(lines[resourceHeader + 1]).toMatch(/weekly\s+\S+ \S+\s+198\.0h\s+180h\s+PAST RPO$/);
    expect(lines[resourceHeader + 3]).toMatch(/daily\s+never\s+10\.0h\s+30h$/);
    const tierRow = (tier: string) => lines.find((l) => l.startsWith(`${tier} `)) ?? '';
    expect(tierRow('daily')).not.toContain('RUN OVERDUE');
    expect(tierRow('daily')).toContain('NO SUCCESS WITHIN RPO');
    expect(tierRow('weekly')).toContain('RUN OVERDUE');
    expect(code).toBe(1);
  });
});

describe('referenceTime', () => {
  const wall = new Date('2026-01-05T02:00:00.000Z');

  it('is the wall clock when every record is older (AWS)', () => {
    expect(
      referenceTime([{ startedAt: '2026-01-05T01:00:00.000Z', finishedAt: '2026-01-05T01:30:00.000Z' }], wall),
    ).toEqual(wall);
  });

  it("is the newest record's time when the records run ahead of the wall clock (the sandbox's virtual clock)", () => {
    const runs = [
      { startedAt: '2026-01-05T03:00:00.000Z', finishedAt: '2026-01-05T09:00:00.000Z' },
      { startedAt: '2026-01-05T10:00:00.000Z' },
    ];
    expect(referenceTime(runs, wall).toISOString()).toBe('2026-01-05T10:00:00.000Z');
  });
});
