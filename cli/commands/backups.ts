/**
 * `backup-pipeline backups <arn | name>` (issue #12): a resource's restore points across tiers and
 * regions, newest first (id, time, tier, status, size, expiry, copies, run), from the points Record
 * result wrote (shared/state/restore-points.ts); `--json` for scripts. A short name (what `status` shows:
 * `orders`, `vol-0abc…`, or a Name tag) is resolved by `resolveResource` below, the one resolver that
 * `start --resource` and `restore --resource` use too; two resources of that name are listed, never
 * guessed between.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type RestorePoint, withoutTableAttributes } from '../../shared/state/records';
import { livePlaces, RestorePointStore } from '../../shared/state/restore-points';
import { StateStore } from '../../shared/state/store';
import { CliError, explainAwsError, resolveTarget, type Target, type TargetOptions } from '../target';

type Out = NodeJS.WritableStream;

export interface BackupsOptions extends TargetOptions {
  json: boolean;
  /** Adds each point's run to the table. */
  wide?: boolean;
}

/** AVAILABLE until its expiry; then retention may delete it unless it is the source's last restore point. */
export function pointStatus(point: Pick<RestorePoint, 'expiresAt'>, now: Date): 'AVAILABLE' | 'EXPIRED' {
  return point.expiresAt && Date.parse(point.expiresAt) <= now.getTime() ? 'EXPIRED' : 'AVAILABLE';
}

/** An id cut from the middle, so both its kind (`bp-daily-…`) and its distinct end stay readable. */
export function middleCut(text: string, width: number): string {
  if (text.length <= width) return text;
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

const when = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '-');

/** The lines under the table that explain its statuses: only those a row shows. */
export function backupsLegend(points: readonly RestorePoint[], now: Date): string[] {
  const shown = new Set(
    points.map((p) => (livePlaces(p).some((place) => place.region === p.region) ? pointStatus(p, now) : 'COPY ONLY')),
  );
  return [
    ...(shown.has('EXPIRED')
      ? ['EXPIRED: past its expiry; retention deletes it unless it is the last restore point of its source.']
      : []),
    ...(shown.has('COPY ONLY')
      ? ['COPY ONLY: retention deleted it in its own region; restore it from a copy (--to-region <REGION>).']
      : []),
  ];
}

/** Cells padded to their column's widest; the last column (the backup id) is neither padded nor cut. */
function aligned(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i === r.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join(' ')
      .trimEnd(),
  );
}

/**
 * One row per backup id an operator can restore: the point's first id on its row, each other id of the
 * point (a snapshot set's) and each live copy's on a row of its own below, with its region. The ids come
 * last and whole (they are what an operator copies into `restore`), so the table reads at 120 columns
 * with the usual ids and a long one (a DynamoDB backup ARN) only runs past the edge, never cut. `wide`
 * adds each point's run (an RDS snapshot's id names it already).
 */
export function backupsTable(points: readonly RestorePoint[], now: Date, wide = false): string {
  const header = ['TIME_UTC', 'TIER', 'STATUS', 'SIZE', 'EXPIRES', ...(wide ? ['RUN'] : []), 'REGION', 'BACKUP'];
  const rows: string[][] = [header];
  for (const p of points) {
    // Only what can still be restored: retention may have deleted the source's backups or a copy.
    const live = livePlaces(p);
    const status = live.some((place) => place.region === p.region) ? pointStatus(p, now) : 'COPY ONLY';
    const size = p.sizeGiB !== undefined ? `${p.sizeGiB} GiB` : '-';
    const first = [when(p.completedAt), p.tier, status, size, day(p.expiresAt), ...(wide ? [p.runId] : [])];
    const ids = live.flatMap((place) => place.ids.map((id) => [place.region, id]));
    const [head = [p.region, '-'], ...rest] = ids;
    rows.push([...first, ...head]);
    for (const [region = '', id = ''] of rest) rows.push([...first.map(() => ''), region, id]);
  }
  return aligned(rows, new Set([3])).join('\n');
}

/** How many of the latest runs `resolveResource` reads, for resources no backup of which has completed. */
export const NAME_RUNS = 3;

/** Whether a recorded resource goes by `name`: its id as the tables print it (`orders`, `vol-0abc…`), or its Name tag. */
export function goesBy(
  record: {
    arn: string;
    resourceId?: string;
    sourceTags?: readonly { Key?: string; Value?: string }[];
    resourceTags?: readonly { Key?: string; Value?: string }[];
  },
  name: string,
): boolean {
  const id = record.resourceId ?? record.arn.split(/[/:]/).at(-1);
  // sourceTags are what a backup copies (RDS only); resourceTags every type's own tags, EC2's Name included.
  const tags = [...(record.sourceTags ?? []), ...(record.resourceTags ?? [])];
  return id === name || tags.some((t) => t.Key === 'Name' && t.Value === name);
}

/** Every recorded resource a name could stand for: the tiers' restore points and the latest runs' resources. */
async function namedResources(store: StateStore, target: Target) {
  const known: Parameters<typeof goesBy>[0][] = [];
  for (const tier of Object.keys(target.config.tiers)) known.push(...(await store.listLatestPoints(tier)));
  for (const run of await store.listRuns(NAME_RUNS, ['runId'])) known.push(...(await store.listResources(run.runId)));
  return known;
}

/**
 * The ARN a short name stands for (`backups`, `restore --resource`, `start --resource`): an ARN as given;
 * a name from the resources the tiers protect (their newest-good partitions) and those of the latest
 * runs (a resource whose every backup failed has no restore point, yet `status` shows it). One, or a
 * CliError listing the candidates: two resources of that name are never guessed between. `known` lets a
 * caller resolving several names read the table once.
 */
export async function resolveResource(
  store: StateStore,
  target: Target,
  resource: string,
  known?: Promise<Awaited<ReturnType<typeof namedResources>>>,
): Promise<string> {
  if (resource.startsWith('arn:')) return resource;
  const arns = new Set(
    (await (known ?? namedResources(store, target))).filter((r) => goesBy(r, resource)).map((r) => r.arn),
  );
  const [only, ...more] = [...arns].sort();
  if (!only)
    throw new CliError(
      `no resource named "${resource}" is recorded: give its ARN, or check the name with "backup-pipeline status <run>"`,
    );
  if (more.length > 0)
    throw new CliError(
      `"${resource}" names ${arns.size} resources; give the ARN of one:\n  ${[only, ...more].join('\n  ')}`,
    );
  return only;
}

/** Resolves many names against one read of the table (the first name that is not an ARN reads it). */
export function nameResolver(store: StateStore, target: Target): (resource: string) => Promise<string> {
  let known: ReturnType<typeof namedResources> | undefined;
  return (resource) => {
    if (!resource.startsWith('arn:')) known ??= namedResources(store, target);
    return resolveResourceName(store, target, resource, known);
  };
}

/** `resolveResource` for a command: AWS errors explained against the state table, CliErrors as they are. */
export function resolveResourceName(
  store: StateStore,
  target: Target,
  resource: string,
  known?: Parameters<typeof resolveResource>[3],
): Promise<string> {
  return resolveResource(store, target, resource, known).catch((error: unknown) => {
    throw error instanceof CliError ? error : explainAwsError(error, 'the state table');
  });
}

export async function backupsCommand(resource: string, options: BackupsOptions, out: Out = process.stdout) {
  const target = await resolveTarget(options);
  const client = new DynamoDBClient({ region: target.region });
  try {
    const doc = DynamoDBDocumentClient.from(client);
    const arn = await resolveResourceName(new StateStore(doc, target.tableName), target, resource);
    const points = await new RestorePointStore(doc, target.tableName)
      .list(arn)
      .catch((error) => Promise.reject(explainAwsError(error, 'the state table')));
    const now = new Date();
    if (options.json) {
      out.write(
        `${JSON.stringify({ arn, points: points.map((p) => ({ ...withoutTableAttributes(p), status: pointStatus(p, now) })) }, null, 2)}\n`,
      );
      return 0;
    }
    out.write(`Restore points of ${arn}, newest first:\n`);
    if (points.length === 0) {
      out.write('  none recorded: no backup of it has completed yet\n');
      return 1;
    }
    out.write(`${backupsTable(points, now, options.wide ?? false)}\n`);
    out.write(
      `\n${[
        ...backupsLegend(points, now),
        'Restore one with: backup-pipeline restore <BACKUP> [--to-region <REGION>] [--wait]',
        "  (a copy's own id restores in its region; an RDS/Aurora copy keeps its original's id: add --to-region)",
      ].join('\n')}\n`,
    );
    return 0;
  } finally {
    client.destroy();
  }
}
