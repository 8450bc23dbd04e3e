/**
 * SNS: topics (CreateTopic, idempotent) and Publish, with its size and subject checks. Account-wide:
 * topics are keyed by ARN, which names the region; published messages are kept for tests and reports.
 */
import { AwsApiError, arnPartition, Backend, type ServiceApi } from './core';
import { defineModelService } from './registry';

/** How sns answers the core's injected faults (./core.ts ServiceApi): SNS throttles with Throttling. */
export const SNS_API: ServiceApi = {
  name: 'sns',
  throttleCode: 'Throttling',
  throttleStatus: 400,
  internalErrorCode: 'InternalError',
};

/** SNS: a message and its attributes together, at most 256 KiB (UTF-8 bytes). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

function publishSize(input: {
  Message?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }>;
}): number {
  let size = Buffer.byteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += value.BinaryValue ? value.BinaryValue.byteLength : Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

export interface SnsMessage {
  TopicArn: string;
  Subject?: string;
  Message: string;
  at: string;
}

export class SnsBackend extends Backend {
  readonly messages: SnsMessage[] = [];
  /** SNS topics by ARN: Publish reaches only a topic CreateTopic made, as in AWS. */
  readonly topics = new Set<string>();

  /** Idempotent, as in AWS: creating a topic that exists returns its ARN. */
  createTopic(region: string, input: { Name?: string }) {
    const name = input.Name ?? '';
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, '')))
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Topic Name');
    const arn = `arn:${arnPartition(region)}:sns:${region}:${this.accountId}:${name}`;
    this.topics.add(arn);
    return { TopicArn: arn };
  }

  publish(
    _region: string,
    input: {
      TopicArn?: string;
      Subject?: string;
      Message?: string;
      MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }>;
    },
  ) {
    this.gate(SNS_API, 'Publish');
    if (!input.TopicArn) throw new AwsApiError('InvalidParameter', 'TopicArn is required');
    if (!this.topics.has(input.TopicArn)) throw new AwsApiError('NotFound', 'Topic does not exist', 404);
    if (publishSize(input) > SNS_MAX_MESSAGE_BYTES) {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    // Publish's Subject: ASCII, no line breaks or control characters, under 100 characters; strict where
    // the documents' wording varies, it starts with a letter, digit or punctuation mark.
    if (input.Subject && (input.Subject.length >= 100 || !/^[!-~][ -~]*$/.test(input.Subject))) {
      throw new AwsApiError(
        'InvalidParameter',
        'Invalid parameter: Subject must be ASCII text without line breaks or control characters, under 100 characters',
      );
    }
    this.messages.push({
      TopicArn: input.TopicArn,
      ...(input.Subject ? { Subject: input.Subject } : {}),
      Message: input.Message ?? '',
      at: this.core.clock.now().toISOString(),
    });
    return { MessageId: `msg-${this.messages.length}` };
  }
}

/** On the model, `model.sns` is the messages published, in order, and `model.topics` the topics. */
export const snsModel = defineModelService({
  name: 'sns',
  build: (core) => new SnsBackend(core),
  operations: ['createTopic', 'publish'],
  views: { sns: 'messages', topics: 'topics' },
});
