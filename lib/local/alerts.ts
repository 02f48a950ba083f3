import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { singleAlertOf, unlistedCount } from '../../functions/alerting/domain/group-message.ts';
import { entryLines } from '../../functions/alerting/domain/plain-text.ts';
import { AlertSchema, type GroupMessage, GroupMessageSchema } from '../../functions/core/alerts.ts';
import { type SqsHandler, succeededRecords } from './sqs-poller.ts';

/**
 * A consumer of the alerts queue: the same SQS-shaped records an SNS → SQS subscription
 * delivers in the cloud. The stdout printer is one; each chat notifier's handler plugs in the
 * same way.
 */
export type AlertConsumer = SqsHandler;

/** A publish with `MessageStructure: 'json'`: one message per protocol. */
const PerProtocolMessage = v.looseObject({ sqs: v.string() });

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * fauxqs ignores `MessageStructure: 'json'` and delivers the whole per-protocol object. SNS
 * would deliver only its `sqs` member to an SQS subscription, so that is what is handed on.
 * A body that is already the alert (e.g. LocalStack, which implements it) passes unchanged.
 */
export const unwrapPerProtocolMessage = (record: SQSRecord): SQSRecord => {
  const parsed = v.safeParse(PerProtocolMessage, parseJson(record.body));
  return parsed.success ? { ...record, body: parsed.output.sqs } : record;
};

/**
 * Fans each batch out to every consumer. A record is retried if any consumer failed it, so a
 * consumer must tolerate seeing a record again (as with any SQS subscriber).
 */
export const alertFanOut = (consumers: readonly AlertConsumer[]): SqsHandler => {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const unwrapped: SQSEvent = { Records: event.Records.map(unwrapPerProtocolMessage) };
    const failed = new Set<string>();
    const results = await Promise.allSettled(consumers.map((consume) => consume(unwrapped)));
    for (const result of results) {
      if (result.status === 'rejected') {
        for (const record of event.Records) failed.add(record.messageId);
      } else {
        const kept = new Set(
          succeededRecords(event.Records, { threw: false, response: result.value }),
        );
        for (const record of event.Records) {
          if (!kept.has(record)) failed.add(record.messageId);
        }
      }
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
};

const indent = (text: string) => text.replace(/\n/g, '\n    ');

/** A readable, multi-line rendering of one alert for a terminal. */
export const formatAlert = (alert: v.InferOutput<typeof AlertSchema>): string => {
  const lines = [`ALERT [${alert.severity.toUpperCase()}] ${alert.kind}: ${alert.title}`];
  const integration = alert.integration;
  if (integration) {
    const state = integration.state ?? 'unknown';
    const organization = integration.organizationId ?? alert.organizationId ?? 'unknown';
    lines.push(
      `    integration ${integration.id} (organization ${organization}) is ${state}${
        integration.stateSince ? ` since ${integration.stateSince}` : ''
      }`,
    );
  }
  if (alert.summary) lines.push(`    ${indent(alert.summary)}`);
  for (const fact of alert.facts) lines.push(`    ${fact.label}: ${fact.value}`);
  return lines.join('\n');
};

/**
 * A grouped message for a terminal: one header line, one line per listed incident, and how
 * many more with the command listing them. One incident prints as its alert does.
 */
export const formatGroupMessage = (message: GroupMessage): string => {
  const single = singleAlertOf(message);
  if (single) return formatAlert(single);
  const lines = [
    `ALERT [${message.severity.toUpperCase()}] ${message.kind} (${message.total} incidents, group ${message.groupKey}, message ${message.seq}): ${message.title}`,
    ...entryLines(message).map((line) => `    ${line}`),
  ];
  const more = unlistedCount(message);
  if (more > 0) lines.push(`    and ${more} more: ${message.listCommand}`);
  return lines.join('\n');
};

/** Either message the alerts topic carries: a grouped message, or a single alert. */
const AlertMessageSchema = v.variant('version', [GroupMessageSchema, AlertSchema]);

/**
 * Prints each alert as it arrives. An alert that does not match the schema is printed as
 * such and consumed: retrying cannot repair it, and the publisher's tests own that contract.
 */
export const printAlerts =
  (print: (text: string) => void): AlertConsumer =>
  async (event) => {
    for (const record of event.Records) {
      const alert = v.safeParse(AlertMessageSchema, parseJson(record.body));
      if (alert.success) {
        const message = alert.output;
        print(message.version === 2 ? formatGroupMessage(message) : formatAlert(message));
      } else {
        const problems = alert.issues.map((issue) => v.getDotPath(issue) ?? '(root)').join(', ');
        print(`ALERT (unreadable, message ${record.messageId}; invalid at: ${problems})`);
      }
    }
    return { batchItemFailures: [] };
  };
