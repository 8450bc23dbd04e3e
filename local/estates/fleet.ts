/**
 * Fleets for the local sandbox: the demo estate `npm start` backs up, and generated fleets of N
 * resources with a snapshot-duration distribution for the bench. Deterministic for a given seed.
 */
import type { ResourceType } from '../../shared/services/catalog';
import type { AwsModel, Tag } from '../model/index';
import { type DemoPhase, idsByType, type TypeSeeds, typeSeeds } from './seeds';

export const BACKUP_TAG: Tag = { Key: 'backup', Value: 'true' };

/** The demo's disaster-recovery region and the KMS key copies there are encrypted with. */
export const DR_REGION = 'us-west-2';
export const DR_KEY_ALIAS = 'alias/backup-dr';

/**
 * The DR key a `copyTo` entry names (`{ "region": "us-west-2", "kmsKeyId": "alias/backup-dr" }`): RDS
 * and Aurora refuse a cross-region copy of an encrypted snapshot without a key in the destination.
 * Idempotent, and it draws nothing from the model's PRNG, so the fleet's timings stay as they were.
 */
export function seedDrKey(model: AwsModel, region = DR_REGION, alias = DR_KEY_ALIAS): { KeyId: string; Arn: string } {
  const existing = model.kmsKeys(region).find((k) => k.aliases.includes(alias));
  return existing
    ? { KeyId: existing.KeyId, Arn: existing.Arn }
    : model.addKmsKey(region, { alias, description: 'backup-pipeline DR copies' });
}

export interface FleetSummary {
  /** The first region the fleet is in (the sandbox's home region unless told otherwise). */
  region: string;
  /** Every region the fleet is spread over, in the order given. */
  regions: string[];
  /** The ids tagged for backup, by resource type (every type in the catalog; none: empty). */
  tagged: Record<ResourceType, string[]>;
  /** The ids of resources the run must leave alone (untagged, opted out). */
  untagged: string[];
}

/** The phases' tags: for backup (with the team's tag), a name only, opted out (`backup=false`), for backup. */
const PHASE_TAGS: Record<DemoPhase, (name: string) => Tag[]> = {
  tagged: (value) => [{ Key: 'Name', Value: value }, BACKUP_TAG, { Key: 'team', Value: 'platform' }],
  untagged: (value) => [{ Key: 'Name', Value: value }],
  optedOut: (value) => [
    { Key: 'Name', Value: value },
    { Key: 'backup', Value: 'false' },
  ],
  regional: (value) => [{ Key: 'Name', Value: value }, BACKUP_TAG],
};

/** Seeds one demo phase in `region`, every type in catalog order, and adds the ids to `summary`. */
function seedDemoPhase(model: AwsModel, summary: FleetSummary, phase: DemoPhase, region: string): void {
  for (const seeds of typeSeeds(model)) {
    const ids = seeds.demo?.[phase]?.(model, region, PHASE_TAGS[phase]) ?? [];
    (phase === 'tagged' || phase === 'regional' ? summary.tagged[seeds.type] : summary.untagged).push(...ids);
  }
}

/**
 * The demo estate, each service's own (its model module's `demo` seeds, ../model/estate-seeds.ts): 5
 * tagged instances with 1-3 volumes (one backed up as an AMI, tagged `backup-pipeline:mode=ami`), 2 tagged
 * standalone volumes, 3 tagged RDS instances (one large), a tagged Aurora cluster and one selected
 * through its tagged member instance, two tagged DynamoDB tables (one backed up, one exported to S3),
 * plus resources that must be left alone: an untagged instance, volume, database and table, and an
 * instance tagged `backup=false`; and the DR key `alias/backup-dr` in us-west-2 (seedDrKey). Seeded phase
 * by phase (tagged, untagged, opted out), each type in catalog order: the order the PRNG has always been
 * drawn in. (The drills' isolated DB subnet group is the sandbox's, from cdk.json: local/sandbox.ts.)
 */
export function seedDemoFleet(model: AwsModel, region = 'eu-west-1'): FleetSummary {
  const summary: FleetSummary = { region, regions: [region], tagged: idsByType(), untagged: [] };
  for (const phase of ['tagged', 'untagged', 'optedOut'] as const) seedDemoPhase(model, summary, phase, region);
  // Ready for copies; whether the demo copies anything is the run input's choice.
  seedDrKey(model);
  return summary;
}

/**
 * A small tagged estate in another configured region of the demo (`npm start -- --regions ...`): each
 * type's `regional` seeds (one instance with a volume, one standalone volume, one RDS instance). Seeded
 * only when regions are given, after the home fleet, so the default demo draws the PRNG exactly as before.
 */
export function seedRegionalDemo(model: AwsModel, summary: FleetSummary, region: string): void {
  seedDemoPhase(model, summary, 'regional', region);
  summary.regions.push(region);
}

export interface GeneratedFleetSpec {
  /**
   * Total resources, in the mix the model's seeds declare (each type's `generated.perBlock` of a block,
   * ../model/estate-seeds.ts): a block of 22 is 14 EC2 instances, 3 standalone volumes, 3 RDS instances, a
   * DocumentDB and a Neptune cluster.
   */
  size: number;
  /**
   * Regions to spread the fleet over (default: the sandbox's region): each block of 22 resources (the
   * whole type mix) goes to the next region in turn, so every region gets the same mix. Choosing the
   * region draws nothing from the PRNG: a one-region fleet replays as before.
   */
  regions?: readonly string[];
  /** Snapshot durations are drawn log-uniformly between these (seconds). */
  minSeconds: number;
  maxSeconds: number;
  seed?: number;
}

export function seedGeneratedFleet(model: AwsModel, spec: GeneratedFleetSpec, region = 'eu-west-1'): FleetSummary {
  const regions = spec.regions && spec.regions.length > 0 ? [...spec.regions] : [region];
  const summary: FleetSummary = { region: regions[0] ?? region, regions, tagged: idsByType(), untagged: [] };
  // Each block of resources is the whole mix: every type's `perBlock` in turn, in catalog order; a
  // resource is of the first type whose share of the block ends past its place in it.
  const mix: { type: ResourceType; add: NonNullable<TypeSeeds<AwsModel>['generated']>['add']; end: number }[] = [];
  for (const { type, generated } of typeSeeds(model))
    if (generated) mix.push({ type, add: generated.add, end: (mix.at(-1)?.end ?? 0) + generated.perBlock });
  const block = mix.at(-1)?.end ?? 1;
  const lo = Math.log(spec.minSeconds);
  const hi = Math.log(spec.maxSeconds);
  const duration = () => Math.round(Math.exp(lo + model.random() * (hi - lo)));
  for (let n = 0; n < spec.size; n++) {
    const region = regions[Math.floor(n / block) % regions.length] as string;
    const tags: Tag[] = [{ Key: 'Name', Value: `gen-${n}` }, BACKUP_TAG];
    const of = mix.find((m) => n % block < m.end);
    if (of) summary.tagged[of.type].push(of.add(model, region, n, tags, duration));
  }
  return summary;
}
