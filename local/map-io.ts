/**
 * A Distributed Map's ItemReader and ResultWriter in the local runner. aws-local-stepfunctions knows
 * neither, so each becomes a hidden Task around the Map (no transitions, no history events, its
 * payload counted as the Map's own): the reader really gets the item object from S3 at the endpoint
 * (the emulator, or `--endpoint`), and the Map's ItemsPath then points at what it read through the
 * execution context; the writer really puts the children's results and a manifest under the prefix,
 * and hands back what AWS's Map returns with a ResultWriter (`MapRunArn`, `ResultWriterDetails`), to
 * the Map's own ResultSelector, ResultPath and OutputPath. Only JSON item objects are read, the one
 * InputType the workflow uses.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../shared/lambda/clients';

/** The execution-context key under which the runner keeps the items each reader read. */
export const LOCAL_ITEMS = 'LocalItems';

export type HiddenStep =
  | { kind: 'read-items'; name: string; map: string; key: string }
  | { kind: 'write-results'; name: string; map: string };

export interface MapResults {
  succeeded: { input: unknown; output: unknown }[];
  failed: { input: unknown; error: string; cause: string }[];
}

type StateDef = { Type: string; [k: string]: unknown };
type Machine = { StartAt: string; States: Record<string, StateDef> };
type S3Io = { Resource?: string; ReaderConfig?: { InputType?: string }; Parameters?: Record<string, unknown> };

/** A local stand-in for the error AWS reports when the Map cannot read or write its S3 objects. */
class MapIoError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Points every transition into `from` (StartAt, Next, Default, Choices, Catch) at `to`, except `to`'s own. */
function redirect(machine: Machine, from: string, to: string): void {
  if (machine.StartAt === from) machine.StartAt = to;
  for (const [name, state] of Object.entries(machine.States)) {
    if (name === to) continue;
    if (state.Next === from) state.Next = to;
    if (state.Default === from) state.Default = to;
    for (const branch of [...((state.Choices as StateDef[]) ?? []), ...((state.Catch as StateDef[]) ?? [])])
      if (branch.Next === from) branch.Next = to;
  }
}

/**
 * Rewrites the Map `name` of `machine` in place when it has an ItemReader or a ResultWriter, adding
 * the hidden steps; returns them (none for a Map that reads its items from its input).
 */
export function localizeMapIo(machine: Machine, name: string, key: string): HiddenStep[] {
  const map = machine.States[name] as StateDef;
  const steps: HiddenStep[] = [];
  const reader = map.ItemReader as S3Io | undefined;
  if (reader) {
    if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON')
      throw new Error(`Map "${name}": the local runner reads only JSON objects (s3:getObject, InputType JSON)`);
    const step = { kind: 'read-items' as const, name: `${name} (read items)`, map: name, key };
    machine.States[step.name] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::local:readItems',
      Parameters: reader.Parameters ?? {},
      ResultPath: null,
      // A read failure is the Map's failure in AWS: the Map's Catch handles it.
      ...(map.Catch ? { Catch: map.Catch } : {}),
      Next: name,
    };
    redirect(machine, name, step.name);
    delete map.ItemReader;
    map.ItemsPath = `$$.${LOCAL_ITEMS}.${key}`;
    steps.push(step);
  }
  const writer = map.ResultWriter as S3Io | undefined;
  if (writer) {
    const step = { kind: 'write-results' as const, name: `${name} (write results)`, map: name };
    const { ResultSelector, ResultPath, OutputPath, Next, End } = map;
    machine.States[step.name] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::local:writeResults',
      Parameters: writer.Parameters ?? {},
      ...(ResultSelector !== undefined ? { ResultSelector } : {}),
      ...(ResultPath !== undefined ? { ResultPath } : {}),
      ...(OutputPath !== undefined ? { OutputPath } : {}),
      ...(map.Catch ? { Catch: map.Catch } : {}),
      ...(End ? { End } : { Next }),
    };
    // The Map itself keeps its input; the children's results are gathered by the runner's hooks.
    delete map.ResultWriter;
    delete map.ResultSelector;
    delete map.OutputPath;
    delete map.End;
    map.ResultPath = null;
    map.Next = step.name;
    steps.push(step);
  }
  return steps;
}

interface MapIoContext {
  region: string;
  executionName: string;
  stateMachineArn: string;
}

/** The ItemReader: GetObject, parse the JSON array (anything else fails the Map, as in AWS). */
export async function readItems(params: { Bucket: string; Key: string }, io: MapIoContext): Promise<unknown[]> {
  let text: string;
  try {
    const answer = await s3Client(io.region).send(new GetObjectCommand({ Bucket: params.Bucket, Key: params.Key }));
    text = (await answer.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    const e = error as Error;
    throw new MapIoError('States.ItemReaderFailed', `s3://${params.Bucket}/${params.Key}: ${e.name}: ${e.message}`);
  }
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    items = undefined;
  }
  if (!Array.isArray(items))
    throw new MapIoError('States.ItemReaderFailed', `s3://${params.Bucket}/${params.Key} is not a JSON array`);
  return items;
}

/**
 * The ResultWriter: `<Prefix>/<map run id>/SUCCEEDED_0.json`, `FAILED_0.json` and `manifest.json`, as
 * a Map Run writes them; returns the Map's output with a ResultWriter.
 */
export async function writeResults(
  params: { Bucket: string; Prefix?: string },
  results: MapResults,
  mapName: string,
  io: MapIoContext,
): Promise<{ MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } }> {
  const runId = randomUUID();
  const machineName = io.stateMachineArn.split(':').at(-1) ?? 'local';
  const mapRunArn = `${io.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${encodeURIComponent(mapName)}:${runId}`;
  const base = `${params.Prefix ? `${params.Prefix.replace(/\/$/, '')}/` : ''}${runId}`;
  const executionArn = (index: number) =>
    `${io.stateMachineArn.replace(':stateMachine:', ':execution:')}/${machineName}:${io.executionName}-${index}`;
  const files = {
    SUCCEEDED: results.succeeded.map((r, i) => ({
      ExecutionArn: executionArn(i),
      Input: JSON.stringify(r.input),
      Output: JSON.stringify(r.output),
      Status: 'SUCCEEDED',
    })),
    FAILED: results.failed.map((r, i) => ({
      ExecutionArn: executionArn(results.succeeded.length + i),
      Input: JSON.stringify(r.input),
      Error: r.error,
      Cause: r.cause,
      Status: 'FAILED',
    })),
  };
  const s3 = s3Client(io.region);
  const put = async (key: string, body: unknown) => {
    const text = JSON.stringify(body);
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: params.Bucket, Key: key, Body: text, ContentType: 'application/json' }),
      );
    } catch (error) {
      const e = error as Error;
      throw new MapIoError('States.ResultWriterFailed', `s3://${params.Bucket}/${key}: ${e.name}: ${e.message}`);
    }
    return { Key: key, Size: Buffer.byteLength(text) };
  };
  const resultFiles: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const [status, entries] of Object.entries(files))
    if (entries.length > 0) resultFiles[status] = [await put(`${base}/${status}_0.json`, entries)];
  const manifestKey = `${base}/manifest.json`;
  await put(manifestKey, { DestinationBucket: params.Bucket, MapRunArn: mapRunArn, ResultFiles: resultFiles });
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: params.Bucket, Key: manifestKey } };
}
