/**
 * The estates' seeds (../model/estate-seeds.ts): each service's model module declares what it seeds per
 * resource type on its backend, so the demo fleet, the generated fleets and the retention estate name no
 * service; they take the seeds here, in the catalog's type order (the order the demo has always drawn the
 * model's PRNG in).
 */
import { RESOURCE_TYPES, type ResourceType } from '../../shared/services/catalog';
import type { EstateSeeding, TypeSeeds } from '../model/estate-seeds';
import type { AwsModel } from '../model/index';

export type { DemoPhase, RetentionSeedContext, TypeSeeds } from '../model/estate-seeds';

/**
 * Every type's seeds the model's backends declare, in catalog order, to be called with the model: each
 * service's seeds take the operations they name (../model/<svc>-estates.ts), which the facade answers.
 */
export function typeSeeds(model: AwsModel): (TypeSeeds<AwsModel> & { type: ResourceType })[] {
  const declared = Object.values(model.services).flatMap((backend: object) =>
    'estateSeeds' in backend ? (backend as EstateSeeding<AwsModel>).estateSeeds : [],
  );
  return RESOURCE_TYPES.flatMap((type) => declared.filter((s) => s.type === type).map((s) => ({ ...s, type })));
}

/** An empty list of ids for every type in the catalog: a fleet's summary before seeding. */
export function idsByType(): Record<ResourceType, string[]> {
  return Object.fromEntries(RESOURCE_TYPES.map((type) => [type, []])) as unknown as Record<ResourceType, string[]>;
}
