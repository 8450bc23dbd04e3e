/**
 * S3's part of the sandbox's estates (./estate-seeds.ts): the demo's buckets, one versioned and
 * tagged for backup with a few thousand simulated objects, and an untagged one. Bucket names are global:
 * each carries its region.
 */
import type { Tag } from './core';
import type { TypeSeeds } from './estate-seeds';

/** The model's operations S3's seeds call (the facade answers them). */
export interface S3SeedOps {
  addBucket(
    region: string,
    name: string,
    options?: { tags?: Tag[]; versioning?: 'Enabled' | 'Suspended' },
  ): { name: string };
  writeObjects(bucket: string, write: { prefix: string; to: number; sizeBytes?: number }): unknown;
}

export const S3_ESTATE_SEEDS: readonly TypeSeeds<S3SeedOps>[] = [
  {
    type: 's3-bucket',
    demo: {
      tagged: (model, region, tags) => {
        const name = `orders-archive-${region}`;
        model.addBucket(region, name, { tags: tags(name), versioning: 'Enabled' });
        model.writeObjects(name, { prefix: 'invoices/', to: 4_000, sizeBytes: 200_000 });
        model.writeObjects(name, { prefix: 'exports/', to: 20, sizeBytes: 50 * 1024 ** 2 });
        return [name];
      },
      untagged: (model, region, tags) => [model.addBucket(region, `scratch-${region}`, { tags: tags('scratch') }).name],
    },
  },
];
