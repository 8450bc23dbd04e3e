/**
 * The generated fleet over several regions (local/estates/fleet.ts): each block of 20 resources (the whole type
 * mix) goes to the next region, and choosing the region draws nothing from the PRNG, so a one-region
 * fleet replays exactly as before (the bench's figures stay comparable).
 */
import { seedGeneratedFleet } from '../../../local/estates/fleet';
import { AwsModel, seededRandom } from '../../../local/model';

const NOW = new Date('2026-11-02T02:00:00.000Z');
const spec = { size: 100, minSeconds: 60, maxSeconds: 86_400 };
const fresh = () => new AwsModel({ clock: { now: () => NOW }, random: seededRandom(42), tokenBuckets: false });
/** Every volume's id and snapshot time in a region: what the PRNG decided. */
const volumesOf = (model: AwsModel, region: string) =>
  model.describeVolumes(region, {}).Volumes?.map((v) => v.VolumeId) ?? [];

describe('seedGeneratedFleet', () => {
  it('replays a one-region fleet exactly, whether or not the region is named', () => {
    // Prepare
    const before = fresh();
    const named = fresh();

    // Act
    const a = seedGeneratedFleet(before, spec, 'eu-west-1');
    const b = seedGeneratedFleet(named, { ...spec, regions: ['eu-west-1'] }, 'eu-west-1');

    // Assess
    expect(b).toEqual(a);
    expect(volumesOf(named, 'eu-west-1')).toEqual(volumesOf(before, 'eu-west-1'));
    expect(named.random()).toBe(before.random());
  });

  it('gives each region whole blocks of the type mix, in turn', () => {
    // Prepare
    const model = fresh();
    const regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

    // Act
    const fleet = seedGeneratedFleet(model, { ...spec, size: 132, regions }, 'eu-west-1');

    // Assess: 132 resources = 6 blocks of 22, two per region: 28 instances, 6 volumes, 6 databases and 4
    // clusters (a DocumentDB and a Neptune one a block) each.
    expect(fleet.regions).toEqual(regions);
    for (const region of regions) {
      expect(model.describeInstances(region, {}).Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(28);
      const dbs = model.describeDBInstances(region, {}).DBInstances ?? [];
      expect(dbs.filter((d) => !d.DBClusterIdentifier)).toHaveLength(6);
      expect(
        model
          .describeDBClusters(region, {})
          .DBClusters?.map((c) => c.Engine)
          .sort(),
      ).toEqual(['docdb', 'docdb', 'neptune', 'neptune']);
    }
  });
});
