/**
 * The AWS Query wire protocols (ec2Query, EC2's, and awsQuery, that of RDS, SNS, STS, CloudFormation), driven by
 * the AWS SDK's own operation schemas, so the emulator cannot drift from what the real clients send
 * and parse:
 * - requests: ONE generic decoder walks the operation's input schema over the flat form parameters
 *   (`Filter.1.Value.1`, `TagSpecification.1.Tag.1.Key`, `Tags.Tag.1.Key`,
 *   `MessageAttributes.entry.1.Value.StringValue`) and yields the SDK-shaped input the model takes;
 * - responses: the SDK's XmlShapeSerializer writes the output schema (ec2Query: `<item>` lists, lowerCamel
 *   names, `<requestId>`; awsQuery: `<ActionResult>` and `<ResponseMetadata>`), the exact inverse of the
 *   SDK's deserializer, with ISO-8601 timestamps and the service's xmlns;
 * - errors: the dialect's error document (built with fast-xml-parser) with the HTTP status AWS declares
 *   for that code in the service model, so the SDK raises the same named exception it raises for AWS.
 * Contract: a service is a table of action -> model call; anything else is an AWS-shaped error.
 */
import { randomUUID } from 'node:crypto';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { XMLBuilder } from 'fast-xml-parser';
import { AwsApiError } from '../model';
import type { ServiceHandler, ServiceRequest, ServiceResponse } from './server';

/**
 * The protocol a service speaks, as Smithy names it: `aws.protocols#ec2Query` (flat lists, capitalized
 * or `ec2QueryName` member names, `<Response><Errors>`) or `aws.protocols#awsQuery` (`<ActionResult>`,
 * `<ErrorResponse>`).
 */
export type Dialect = 'ec2Query' | 'awsQuery';

/** An operation schema as the SDK exports it (`DescribeInstances$`): [9, namespace, name, traits, input, output]. */
export type OperationSchema = readonly [number, string, string, unknown, () => unknown, () => unknown];

/** One action: the decoded SDK-shaped input in, the SDK-shaped output (or AwsApiError) out. */
export type ActionHandler = (region: string, input: Record<string, unknown>) => unknown;

type Schema = ReturnType<typeof NormalizedSchema.of>;
/** The ec2Query protocol's member-name trait (`aws.protocols#ec2QueryName`), which wins over xmlName. */
const EC2_QUERY_NAME = 'ec2QueryName';
type XmlTraits = { [EC2_QUERY_NAME]?: string; xmlName?: string; xmlFlattened?: boolean };

const OPERATION = 9;
const ERROR = -3;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const traitsOf = (schema: Schema) => schema.getMergedTraits() as XmlTraits;

/** The SDK module's operation schema for an action, if the SDK knows the action at all. */
export function operationOf(sdk: object, action: string): OperationSchema | undefined {
  const candidate = (sdk as Record<string, unknown>)[`${action}$`];
  return Array.isArray(candidate) && candidate[0] === OPERATION ? (candidate as unknown as OperationSchema) : undefined;
}

/**
 * Code -> HTTP status, as the service model declares it (`awsQueryError: ["DBInstanceNotFound", 404]`).
 * EC2 declares no errors; there the model's own status stands (e.g. 503 for RequestLimitExceeded).
 */
function declaredErrorStatuses(sdk: object): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const value of Object.values(sdk)) {
    if (!Array.isArray(value) || value[0] !== ERROR || typeof value[3] !== 'object' || value[3] === null) continue;
    const declared = (value[3] as { awsQueryError?: [string, number] }).awsQueryError;
    if (declared) statuses.set(declared[0], declared[1]);
  }
  return statuses;
}

// ---- requests ------------------------------------------------------------------------------------

/** The wire name of a structure member: ec2Query capitalizes and prefers ec2QueryName; awsQuery uses xmlName. */
function memberKey(member: string, schema: Schema, dialect: Dialect): string {
  const traits = traitsOf(schema);
  if (dialect === 'ec2Query') return traits[EC2_QUERY_NAME] ?? capitalize(traits.xmlName ?? member);
  return traits.xmlName ?? member;
}

function hasPrefix(params: URLSearchParams, prefix: string): boolean {
  for (const key of params.keys()) if (key === prefix || key.startsWith(`${prefix}.`)) return true;
  return false;
}

function decodeValue(schema: Schema, prefix: string, params: URLSearchParams, dialect: Dialect): unknown {
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [member, memberSchema] of schema.structIterator()) {
      const key = memberKey(member, memberSchema, dialect);
      const value = decodeValue(memberSchema, prefix ? `${prefix}.${key}` : key, params, dialect);
      if (value !== undefined) out[member] = value;
    }
    return prefix && Object.keys(out).length === 0 && !hasPrefix(params, prefix) ? undefined : out;
  }
  if (schema.isListSchema()) {
    // ec2Query lists are always flat (`Filter.1`); awsQuery lists nest items under their name (`Tags.Tag.1`,
    // `member` by default) unless the list is flattened.
    const item = schema.getValueSchema();
    const flattened = dialect === 'ec2Query' || traitsOf(schema).xmlFlattened;
    const base = flattened ? prefix : `${prefix}.${traitsOf(item).xmlName ?? 'member'}`;
    const items: unknown[] = [];
    for (let n = 1; hasPrefix(params, `${base}.${n}`); n++)
      items.push(decodeValue(item, `${base}.${n}`, params, dialect));
    // The SDK sends an empty list as the bare name (`Filters=`): keep it distinct from "absent".
    return items.length > 0 ? items : hasPrefix(params, prefix) ? [] : undefined;
  }
  if (schema.isMapSchema()) {
    // awsQuery maps: `Attr.entry.N.<key name>` / `Attr.entry.N.<value name>` (SNS: Name / Value).
    const keyName = traitsOf(schema.getKeySchema()).xmlName ?? 'key';
    const valueName = traitsOf(schema.getValueSchema()).xmlName ?? 'value';
    const out: Record<string, unknown> = {};
    for (let n = 1; hasPrefix(params, `${prefix}.entry.${n}`); n++) {
      const key = params.get(`${prefix}.entry.${n}.${keyName}`);
      if (key !== null)
        out[key] = decodeValue(schema.getValueSchema(), `${prefix}.entry.${n}.${valueName}`, params, dialect);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  const raw = params.get(prefix);
  if (raw === null) return undefined;
  if (schema.isNumericSchema()) return Number(raw);
  if (schema.isBooleanSchema()) return raw === 'true';
  if (schema.isTimestampSchema()) return new Date(raw);
  if (schema.isBlobSchema()) return Buffer.from(raw, 'base64');
  return raw;
}

/** Decodes a Query request's flat form parameters into the SDK-shaped input of the operation. */
export function decodeRequest(
  operation: OperationSchema,
  params: URLSearchParams,
  dialect: Dialect,
): Record<string, unknown> {
  return decodeValue(NormalizedSchema.of(operation[4]() as never), '', params, dialect) as Record<string, unknown>;
}

// ---- responses -----------------------------------------------------------------------------------

/**
 * Writes a response with the SDK's XML serializer. The envelope (`<ActionResponse>` with the request
 * id, and for awsQuery `<ActionResult>`) is itself a structure schema built around the operation's output.
 */
export function encodeResponse(
  operation: OperationSchema,
  action: string,
  output: unknown,
  dialect: Dialect,
  namespace: string,
): ServiceResponse {
  // Operations without output (e.g. DeleteSnapshot) have the "unit" schema: write an empty structure.
  const declared = operation[5]();
  const outputSchema = Array.isArray(declared) ? declared : [3, 'local', `${action}Result`, 0, [], []];
  const requestId = randomUUID();
  const envelope =
    dialect === 'ec2Query'
      ? // ec2Query: the output's members sit directly under <ActionResponse>, next to <requestId>.
        [
          3,
          'local',
          `${action}Response`,
          0,
          [...(outputSchema[4] as string[]), 'requestId'],
          [...(outputSchema[5] as unknown[]), [0, { xmlName: 'requestId' }]],
        ]
      : [
          3,
          'local',
          `${action}Response`,
          0,
          [`${action}Result`, 'ResponseMetadata'],
          [
            [() => outputSchema, { xmlName: `${action}Result` }],
            [() => [3, 'local', 'ResponseMetadata', 0, ['RequestId'], [0]], 0],
          ],
        ];
  const data =
    dialect === 'ec2Query'
      ? { ...(output as object), requestId }
      : { [`${action}Result`]: output, ResponseMetadata: { RequestId: requestId } };
  const serializer = new XmlShapeSerializer({
    xmlNamespace: namespace,
    timestampFormat: { useTrait: true, default: 5 /* date-time: ISO-8601 */ },
  } as never);
  serializer.write(envelope as never, data);
  return { status: 200, contentType: 'text/xml', body: String(serializer.flush()) };
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });

/** An AWS error document in the dialect's shape (ec2Query: `<Response><Errors>`; awsQuery: `<ErrorResponse>`). */
export function encodeError(error: AwsApiError, dialect: Dialect, status = error.status): ServiceResponse {
  const requestId = randomUUID();
  const document =
    dialect === 'ec2Query'
      ? { Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId } }
      : {
          ErrorResponse: {
            Error: { Type: status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
            RequestId: requestId,
          },
        };
  return { status, contentType: 'text/xml', body: builder.build(document) };
}

// ---- services ------------------------------------------------------------------------------------

export interface QueryServiceOptions {
  dialect: Dialect;
  /** The xmlns of the service's responses, e.g. `http://ec2.amazonaws.com/doc/2016-11-15/`. */
  namespace: string;
  /** The SDK client module (`import * as ec2 from '@aws-sdk/client-ec2'`): its schemas define the wire format. */
  sdk: object;
  actions: Record<string, ActionHandler>;
}

/** The error AWS gives for an action this service does not answer. */
function unansweredAction(options: QueryServiceOptions, action: string): AwsApiError {
  if (!action) return new AwsApiError('MissingAction', 'The request must contain the parameter Action.');
  // ec2Query (EC2) distinguishes a real action it does not support from a name it has never heard of.
  if (options.dialect === 'ec2Query' && operationOf(options.sdk, action))
    return new AwsApiError('UnsupportedOperation', `The action ${action} is not supported by the local emulator.`);
  return new AwsApiError(
    'InvalidAction',
    operationOf(options.sdk, action)
      ? `The action ${action} is not supported by the local emulator.`
      : `The action ${action} is not valid for this web service.`,
  );
}

/** One Query-protocol service: each action in the table is a model call; everything else an AWS error. */
export function queryService(options: QueryServiceOptions): ServiceHandler {
  // Resolve every operation schema up front: a misspelt action fails when the emulator starts.
  const operations = new Map(
    Object.keys(options.actions).map((action) => {
      const operation = operationOf(options.sdk, action);
      if (!operation) throw new Error(`The AWS SDK module has no operation ${action}`);
      return [action, operation] as const;
    }),
  );
  const statuses = declaredErrorStatuses(options.sdk);
  return {
    async handle(request: ServiceRequest): Promise<ServiceResponse> {
      try {
        const operation = operations.get(request.action);
        const call = options.actions[request.action];
        if (!operation || !call) throw unansweredAction(options, request.action);
        const input = decodeRequest(operation, request.params, options.dialect);
        const output = call(request.region, input);
        return encodeResponse(operation, request.action, output, options.dialect, options.namespace);
      } catch (error) {
        if (error instanceof AwsApiError) return encodeError(error, options.dialect, statuses.get(error.code));
        // A bug in the emulator still answers as AWS would (a 5xx the SDK parses), naming the cause.
        const code = options.dialect === 'ec2Query' ? 'InternalError' : 'InternalFailure';
        return encodeError(new AwsApiError(code, `local emulator: ${(error as Error).message}`, 500), options.dialect);
      }
    },
  };
}
