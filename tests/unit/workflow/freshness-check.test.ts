/**
 * shared/workflow/freshness/freshness-check.ts without its handler: which metrics the hourly check publishes from
 * the state table (a real DynamoDB, dynalite), measured from the deploy when a tier never ran, and the
 * drill metrics only when drills are configured.
 */
import { drillsSchema, parsePipelineConfig } from '../../../shared/config';
import { RestoreStore } from '../../../shared/state/restore-store';
import { checkFreshness, NEVER_SUCCEEDED_HOURS } from '../../../shared/workflow/freshness/freshness-check';
import { useUnitDynalite } from '../../support/unit-dynalite';

const db = useUnitDynalite();
const NOW = new Date('2026-03-10T12:00:00.000Z');
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
const { tiers, defaultTier } = parsePipelineConfig({});

async function check(options: { deployedAt: string | undefined; drills: boolean }) {
  const published: string[] = [];
  const result = await checkFreshness({
    store: db().store(),
    restores: new RestoreStore(db().doc, db().tableName),
    deployedAt: async () => options.deployedAt,
    tiers,
    defaultTier,
    drills: options.drills ? drillsSchema.parse({ types: ['ebs-volume'] }) : null,
    now: NOW,
    publish: (dimension, value, name, metric) => published.push(`${name} ${dimension}=${value} ${metric}`),
    log,
  });
  return { result, published };
}

describe('checkFreshness', () => {
  it('measures a tier that never ran from the deploy, and publishes no drill metric without drills', async () => {
    // Act
    const { published } = await check({ deployedAt: '2026-03-10T10:30:00.000Z', drills: false });

    // Assess
    expect(published).toContain(`HoursSinceLastRun tier=${defaultTier} 1.5`);
    expect(published).toContain(`HoursSinceLastSuccessfulRun tier=${defaultTier} 1.5`);
    expect(published).toContain(`ResourcesPastRpo tier=${defaultTier} 0`);
    expect(published.filter((line) => line.startsWith('HoursSinceSuccessfulDrill'))).toEqual([]);
  });

  it('reports NEVER_SUCCEEDED_HOURS when the deploy time is unknown, and 0 for a drilled type nothing protects', async () => {
    // Act
    const { result, published } = await check({ deployedAt: undefined, drills: true });

    // Assess
    expect(published).toContain(`HoursSinceLastRun tier=${defaultTier} ${NEVER_SUCCEEDED_HOURS}`);
    expect(published).toContain('HoursSinceSuccessfulDrill resourceType=ebs-volume 0');
    expect(result.drills).toEqual([expect.objectContaining({ type: 'ebs-volume', protected: false, breached: false })]);
  });
});
