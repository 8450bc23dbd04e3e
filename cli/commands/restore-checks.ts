/**
 * What `restore` checks before StartExecution (issue #21 item 1), as `start` checks a run with Plan's
 * schema: the flags in their own terms, then the restore workflow's own Plan against the state table
 * (the backup is recorded, the region holds a copy of it, the type can be restored and named so, the
 * placement fits the region), then the name: free in the target region, asked of AWS with the restore
 * driver's own describe (the one its start makes before any create), with the operator's credentials,
 * and held by no running restore. A mistake is one CliError naming the flag: exit 2, no execution
 * started, so no alarm fires and `status` stays green. Plan checks it all again in the execution (the
 * console and the schedule start restores too).
 */
import { InvalidInputError } from '../../shared/errors';
import { restoreDriverFor } from '../../shared/services/index';
import type { NameClaimStore } from '../../shared/state/name-claims';
import { freeName, nameClaimHolder } from '../../shared/workflow/restore/restore-name-claims';
import {
  type PlanRequest,
  planRestores,
  type RestorePlan,
  type RestoresPlan,
} from '../../shared/workflow/restore/restore-plan';
import { CliError } from '../errors';

const NOT_STARTED = 'the restore was not started';

/** The flag each field of the restore input comes from (`backupId` is the command's argument: no flag). */
const FLAGS: readonly [RegExp, string | undefined][] = [
  [/^backupId$/, undefined],
  [/^resource$/, '--resource'],
  [/^latest$/, '--latest'],
  [/^region$/, '--to-region'],
  [/^name$/, '--name'],
  [/^placement(\..*)?$/, '--placement'],
  [/^placements(\..*)?$/, '--drill (cdk.json drills.placement)'],
  [/^application\.order(\..*)?$/, '--order'],
  [/^application\.tier$/, '--tier'],
  [/^application(\..*)?$/, '--application'],
  [/^drill$/, '--drill'],
];

export function flagOf(field: string): string | undefined {
  return FLAGS.find(([pattern]) => pattern.test(field))?.[1];
}

/**
 * Plan's problems as the operator typed them: each behind its flag, and a placement field a message names
 * (`placement.subnetId`) as the `--placement` JSON key it is.
 */
export function inFlags(problems: readonly { field: string; message: string }[]): string {
  return problems
    .map(({ field, message }) => {
      const flag = flagOf(field) ?? (field === 'backupId' ? undefined : field);
      const said = message.replace(/(?<!drills\.)\bplacement\.(\w+)/g, `--placement '{"$1": …}'`);
      return flag ? `${flag}: ${said}` : said;
    })
    .join('; ');
}

/** What the flags alone get wrong, said in flags; undefined when they name one thing to restore. */
export function flagProblem(
  backupId: string | undefined,
  options: { resource?: string | undefined; latest: boolean; application?: unknown },
): string | undefined {
  const named = [backupId && 'a backup id', options.resource && '--resource', options.application && '--application'];
  const given = named.filter((n): n is string => Boolean(n));
  if (options.latest && !options.resource) return '--latest goes with --resource <arn|name> (its newest restore point)';
  if (given.length === 0)
    return 'name what to restore: a backup id (from "backup-pipeline backups <resource>"), --resource <arn|name>, or --application <key=value>';
  if (given.length === 2) return `give ${given.join(' or ')}, not both`;
  if (given.length > 2) return `give one of ${given.join(', ')}, not all three`;
  return undefined;
}

/**
 * Why the restore cannot take its name (held in its region, or claimed by a running restore), with a
 * free name to try; undefined when the name is free.
 */
export async function nameTaken(
  restore: RestorePlan,
  claims: Pick<NameClaimStore, 'get'>,
  now: Date,
): Promise<string | undefined> {
  const driver = restoreDriverFor(restore.type, restore.mode ?? undefined);
  if (!driver) return undefined;
  const holderOf = (name: string) => driver.nameHolder({ ...restore, name });
  const holder = await holderOf(restore.name);
  const claim = holder ? undefined : await nameClaimHolder(restore, claims, now);
  if (!holder && !claim) return undefined;
  const what =
    holder?.what ??
    `${restore.name} is claimed in ${restore.region} by restore ${claim?.restoreId}, which is still running`;
  const free = await freeName(restore, claims, now, async (name) => (await holderOf(name)) !== undefined);
  return `${what}: choose another --name${free ? `, e.g. --name ${free}` : ''}`;
}

/**
 * The restore planned as its execution will plan it, or a CliError saying in flags why it would be
 * refused. A single restore's name is checked too; an application's restores, as a drill's, each skip
 * a name in use at Plan and are named in its summary.
 */
export async function checkRestore(
  input: Record<string, unknown>,
  request: Omit<PlanRequest, 'facts'>,
  claims: Pick<NameClaimStore, 'get'>,
): Promise<RestoresPlan> {
  let plan: RestoresPlan;
  try {
    plan = await planRestores(input, request);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliError(`${NOT_STARTED}: ${inFlags(error.problems)}`);
    throw error;
  }
  const [only] = plan.restores;
  if (only && plan.restores.length === 1 && !plan.application) {
    const taken = await nameTaken(only, claims, request.now);
    if (taken) throw new CliError(`${NOT_STARTED}: --name: ${taken}`);
  }
  return plan;
}

export { NOT_STARTED };
