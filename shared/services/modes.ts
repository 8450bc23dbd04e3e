/**
 * Backup modes: how a resource of a type that offers more than one kind of backup is backed up.
 * EC2 instances: crash-consistent EBS snapshots (default) or an AMI (without reboot, or with it when
 * asked). DynamoDB tables: an on-demand backup (default) or an export to the stack's S3 bucket.
 *
 * An operator chooses per resource with the `backup-pipeline:mode` tag on the resource, or per ARN in
 * cdk.json (`modes.resources`), or per type (`modes.defaults`). A tag and a config entry that disagree
 * are a conflict the pipeline refuses to guess about: Plan fails with InvalidInputError naming the
 * config field, before anything is written or created.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';

export const MODE_TAG = 'backup-pipeline:mode';

export const MODES_BY_TYPE = {
  'ec2-instance': ['snapshots', 'ami', 'ami-reboot'],
  'dynamodb-table': ['backup', 'export'],
} as const satisfies Partial<Record<string, readonly string[]>>;

export type ModedType = keyof typeof MODES_BY_TYPE;
export const ALL_MODES = ['snapshots', 'ami', 'ami-reboot', 'backup', 'export'] as const;
export type BackupMode = (typeof ALL_MODES)[number];

export const DEFAULT_MODES: { [T in ModedType]: (typeof MODES_BY_TYPE)[T][number] } = {
  'ec2-instance': 'snapshots',
  'dynamodb-table': 'backup',
};

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
  return type in MODES_BY_TYPE;
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
      .strictObject({
        'ec2-instance': z.enum(MODES_BY_TYPE['ec2-instance']).optional(),
        'dynamodb-table': z.enum(MODES_BY_TYPE['dynamodb-table']).optional(),
      })
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
