/**
 * The AWS Query wire protocols (EC2's dialect and the awsQuery of RDS and SNS), driven by the AWS
 * SDK's own operation schemas: requests are decoded by walking the operation's input schema (so
 * `Filter.1.Value.1`, `Tags.Tag.1.Key` or `MessageAttributes.entry.1.Name` land where the SDK put
 * them), and responses are written by the SDK's XmlShapeSerializer from the output schema, so element
 * names, list wrappers and timestamps are exactly what the SDK's deserializers expect.
 */
import { randomUUID } from 'node:crypto';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { XMLBuilder } from 'fast-xml-parser';
import { AwsApiError } from '../aws-model';
import type { ServiceResponse } from './server';

export type Dialect = 'ec2' | 'query';

/** An operation schema as the SDK exports it: [9, namespace, name, traits, () => input, () => output]. */
export type OperationSchema = readonly [number, string, string, unknown, () => unknown, () => unknown];

type Schema = ReturnType<typeof NormalizedSchema.of>;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function memberKey(member: string, schema: Schema, dialect: Dialect): string {
  const traits = schema.getMergedTraits() as { ec2QueryName?: string; xmlName?: string };
  if (dialect === 'ec2') return traits.ec2QueryName ?? capitalize(traits.xmlName ?? member);
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
    const item = schema.getValueSchema();
    const flattened = dialect === 'ec2' || (schema.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened;
    const itemName = (item.getMergedTraits() as { xmlName?: string }).xmlName ?? 'member';
    const base = flattened ? prefix : `${prefix}.${itemName}`;
    const items: unknown[] = [];
    for (let n = 1; hasPrefix(params, `${base}.${n}`); n++)
      items.push(decodeValue(item, `${base}.${n}`, params, dialect));
    return items.length > 0 ? items : hasPrefix(params, prefix) ? [] : undefined;
  }
  if (schema.isMapSchema()) {
    const keyName = (schema.getKeySchema().getMergedTraits() as { xmlName?: string }).xmlName ?? 'key';
    const valueName = (schema.getValueSchema().getMergedTraits() as { xmlName?: string }).xmlName ?? 'value';
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

/** Decodes a Query request's form parameters into the SDK-shaped input of the operation. */
export function decodeRequest(
  operation: OperationSchema,
  params: URLSearchParams,
  dialect: Dialect,
): Record<string, unknown> {
  return decodeValue(NormalizedSchema.of(operation[4]() as never), '', params, dialect) as Record<string, unknown>;
}

/**
 * Writes a response with the SDK's XML serializer. The wrapper (`<ActionResponse>` with the request id,
 * and for awsQuery `<ActionResult>`) is itself a structure schema made from the operation's output.
 */
export function encodeResponse(
  operation: OperationSchema,
  action: string,
  output: unknown,
  dialect: Dialect,
  namespace: string,
): ServiceResponse {
  // Operations without output (e.g. DeleteSnapshot) have the "unit" schema: an empty structure.
  const declared = operation[5]();
  const outputSchema = Array.isArray(declared) ? declared : [3, 'local', `${action}Result`, 0, [], []];
  const requestId = randomUUID();
  const wrapper =
    dialect === 'ec2'
      ? // EC2: the output's members sit directly under <ActionResponse>, next to <requestId>.
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
    dialect === 'ec2'
      ? { ...(output as object), requestId }
      : { [`${action}Result`]: output, ResponseMetadata: { RequestId: requestId } };
  const serializer = new XmlShapeSerializer({
    serviceNamespace: namespace,
    timestampFormat: { useTrait: true, default: 5 },
  } as never);
  serializer.write(wrapper as never, data);
  return { status: 200, contentType: 'text/xml', body: String(serializer.flush()) };
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });

/** An AWS error document in the dialect's shape, with the status AWS uses. */
export function encodeError(error: AwsApiError, dialect: Dialect): ServiceResponse {
  const requestId = randomUUID();
  const document =
    dialect === 'ec2'
      ? { Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId } }
      : {
          ErrorResponse: {
            Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
            RequestId: requestId,
          },
        };
  return { status: error.status, contentType: 'text/xml', body: builder.build(document) };
}

/** One Query-protocol service: actions map to model calls; everything else is an AWS-shaped error. */
export function queryService(options: {
  dialect: Dialect;
  namespace: string;
  operations: Record<string, OperationSchema>;
  call: (action: string, region: string, input: Record<string, unknown>) => unknown;
}) {
  return {
    async handle(request: { action: string; region: string; params: URLSearchParams }): Promise<ServiceResponse> {
      const operation = options.operations[request.action];
      try {
        if (!operation)
          throw new AwsApiError(
            options.dialect === 'ec2' ? 'InvalidAction' : 'InvalidAction',
            `The action ${request.action || '(none)'} is not valid for this web service (local emulator).`,
          );
        const input = decodeRequest(operation, request.params, options.dialect);
        const output = options.call(request.action, request.region, input);
        return encodeResponse(operation, request.action, output, options.dialect, options.namespace);
      } catch (error) {
        if (error instanceof AwsApiError) return encodeError(error, options.dialect);
        throw error;
      }
    },
  };
}
