/**
 * The estates' seeds (local/model/<svc>-estates.ts, gathered by local/estates/seeds.ts): every catalog
 * type's once, in catalog order, called with the model's facade, which answers every operation they name;
 * and the retention bench's mix built from them.
 */
import { mixedRetentionSources } from '../../../local/estates/retention';
import { typeSeeds } from '../../../local/estates/seeds';
import { AwsModel } from '../../../local/model';
import type { DynamoDbSeedOps } from '../../../local/model/dynamodb-estates';
import type { Ec2SeedOps } from '../../../local/model/ec2-estates';
import type { RdsSeedOps } from '../../../local/model/rds-estates';
import { RESOURCE_TYPES } from '../../../shared/services/catalog';

const newModel = () =>
  new AwsModel({ clock: { now: () => new Date('2026-11-02T02:00:00.000Z') }, tokenBuckets: false });

describe('typeSeeds', () => {
  it('gives every catalog type its seeds once, in catalog order, each with tagged demo resources', () => {
    // Prepare: the facade answers what each service's seeds call (tsc fails here if it stops).
    const model = newModel();
    const facade: Ec2SeedOps & RdsSeedOps & DynamoDbSeedOps = model;

    // Act
    const seeds = typeSeeds(model);

    // Assess
    expect(facade).toBe(model);
    expect(seeds.map((s) => s.type)).toEqual(RESOURCE_TYPES);
    for (const s of seeds) expect(s.demo?.tagged).toBeDefined();
  });
});

describe('mixedRetentionSources', () => {
  it('gives the retention bench its mix: a tenth databases in the second region, the rest volumes and instances at home', () => {
    // Act
    const sources = mixedRetentionSources(newModel(), 100_000, 30, ['eu-west-1', 'us-west-2']);

    // Assess: 36,000 volume snapshots, 54,000 in 3-volume sets, 10,000 database snapshots over 30 days.
    expect(sources).toEqual([
      { type: 'ec2-instance', regions: ['eu-west-1'], perRegion: 600 },
      { type: 'ebs-volume', regions: ['eu-west-1'], perRegion: 1200 },
      { type: 'rds-instance', regions: ['us-west-2'], perRegion: 333 },
    ]);
  });
});
