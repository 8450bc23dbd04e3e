/**
 * Backup modes: how a resource of a type that offers more than one kind of backup is backed up.
 * Each service declares its types' modes in its catalog (e.g. ./ec2/catalog.ts: EBS snapshots, or an
 * AMI with or without reboot), the default first; this module is the generic part.
 *
 * An operator chooses per resource with the `backup-pipeline:mode` tag on the resource, or per ARN in
 * cdk.json (`modes.resources`), or per type (`modes.defaults`). A tag and a config entry that disagree
 * are a conflict the pipeline refuses to guess about: Plan fails with InvalidInputError naming the
 * config field, before anything is written or created.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { type BackupMode, MODED_ENTRIES, type ModedType } from './catalog';

export const MODE_TAG = 'backup-pipeline:mode';

/** Each type that offers modes, with its modes (the default first), as its service declares them. */
export const MODES_BY_TYPE = Object.fromEntries(MODED_ENTRIES.map((e) => [e.type, e.modes])) as Readonly<
  Record<ModedType, readonly [BackupMode, ...BackupMode[]]>
>;

export type { BackupMode, ModedType };
export const ALL_MODES = [...new Set(MODED_ENTRIES.flatMap((e) => e.modes))] as [BackupMode, ...BackupMode[]];

/** The mode a resource of a type gets when nothing chooses one: the first its service declares. */
export const DEFAULT_MODES = Object.fromEntries(MODED_ENTRIES.map((e) => [e.type, e.modes[0]])) as Readonly<
  Record<ModedType, BackupMode>
>;

/**
 * Why a resource's mode may not be used although it is valid: `ami-reboot` asked by the resource's tag
 * alone, without `modes.allowRebootByTag` in cdk.json. Undefined when the mode may be used.
 */
export function rebootRefusal(
  resource: { arn: string },
  mode: BackupMode | undefined,
  tagValue: string | undefined,
  config: ModesConfig,
): string | undefined {
  if (mode !== 'ami-reboot' || tagValue !== 'ami-reboot') return undefined;
  if (config.allowRebootByTag || config.resources[resource.arn] === 'ami-reboot') return undefined;
  return `its ${MODE_TAG} tag asks for "ami-reboot", which reboots the instance: a tag may choose it only when cdk.json sets modes.allowRebootByTag (or lists the instance in modes.resources); nothing was rebooted or backed up`;
}

export function hasModes(type: string): type is ModedType {
  return Object.hasOwn(MODES_BY_TYPE, type);
}

/** True for the mode a driver uses when a ref carries none. */
export function isBuiltInDefault(type: string, mode: BackupMode): boolean {
  return hasModes(type) && DEFAULT_MODES[type] === mode;
}

export function modesOf(type: string): readonly string[] {
  return hasModes(type) ? MODES_BY_TYPE[type] : [];
}

/** cdk.json `modes`: defaults per type and explicit choices per resource ARN (checked at synth). */
export const modesConfigSchema = z
  .strictObject({
    defaults: z
      .strictObject(
        Object.fromEntries(MODED_ENTRIES.map((e) => [e.type, z.enum(e.modes).optional()])) as Record<
          ModedType,
          z.ZodOptional<z.ZodEnum<{ [M in BackupMode]: M }>>
        >,
      )
      .default({}),
    resources: z.record(z.string(), z.enum(ALL_MODES)).default({}),
    /**
     * Whether a resource's own `backup-pipeline:mode` tag may choose `ami-reboot`. Off by default: whoever
     * can tag an instance could otherwise have the pipeline reboot it. `ami-reboot` chosen in this config
     * (`defaults`, `resources`) is the operator's own choice and needs no opt-in.
     */
    allowRebootByTag: z.boolean().optional(),
  })
  .default({ defaults: {}, resources: {} });
export type ModesConfig = z.infer<typeof modesConfigSchema>;

/**
 * The mode of one resource: its tag, else its ARN's config entry, else the type's default. Throws
 * InvalidInputError for a tag value the type does not offer, or a tag that contradicts the config.
 */
export function chooseMode(
  resource: { arn: string; type: string },
  tagValue: string | undefined,
  config: ModesConfig,
): BackupMode | undefined {
  if (!hasModes(resource.type)) return undefined;
  const offered = modesOf(resource.type);
  const configured = config.resources[resource.arn];
  if (tagValue !== undefined && !offered.includes(tagValue)) {
    throw new InvalidInputError([
      {
        field: `${MODE_TAG} tag on ${resource.arn}`,
        message: `"${tagValue}" is not a mode of ${resource.type} (one of: ${offered.join(', ')})`,
      },
    ]);
  }
  if (tagValue !== undefined && configured !== undefined && configured !== tagValue) {
    throw new InvalidInputError([
      {
        field: `modes.resources.${resource.arn}`,
        message: `"${configured}" conflicts with the resource's ${MODE_TAG} tag "${tagValue}": remove one of them`,
      },
    ]);
  }
  return (tagValue ?? configured ?? config.defaults[resource.type] ?? DEFAULT_MODES[resource.type]) as BackupMode;
}
