import * as v from 'valibot';
import {
  type Alert,
  AlertSchema,
  type GroupMessage,
  GroupMessageSchema,
} from '../../core/alerts.ts';
import { ReceiverError } from '../../core/errors.ts';
import { parseJson } from '../../core/json.ts';
import { type DeadLetterAlarm, deadLettersAlert } from '../domain/content.ts';

/**
 * What can arrive on a chat notifier's queue: a message of an alert group (the `sqs` member
 * of the processor's per-protocol publish), a single alert, or CloudWatch's alarm JSON (the DLQ alarm publishes to
 * the same topic). With raw message delivery the body is that JSON itself; without it, SNS
 * wraps it in a notification envelope, which is unwrapped here so either setting works.
 */

/** The body matches none of the shapes: retrying cannot fix it, so it ends in the DLQ. */
export class InvalidNotificationError extends ReceiverError {}

const SnsEnvelopeSchema = v.object({
  Type: v.literal('Notification'),
  Message: v.string(),
});

const DimensionSchema = v.object({ name: v.string(), value: v.string() });

/** The fields of CloudWatch's alarm notification that the alert uses; the rest is ignored. */
const CloudWatchAlarmSchema = v.object({
  AlarmName: v.pipe(v.string(), v.nonEmpty()),
  AlarmDescription: v.nullish(v.string(), null),
  AWSAccountId: v.nullish(v.string(), null),
  NewStateValue: v.pipe(v.string(), v.nonEmpty()),
  NewStateReason: v.string(),
  StateChangeTime: v.pipe(v.string(), v.nonEmpty()),
  Region: v.nullish(v.string(), null),
  OldStateValue: v.nullish(v.string(), null),
  Trigger: v.nullish(
    v.object({
      // A single-metric alarm names its dimensions here…
      Dimensions: v.nullish(v.array(DimensionSchema), null),
      // …a metric-math alarm inside each metric.
      Metrics: v.nullish(
        v.array(
          v.object({
            MetricStat: v.nullish(
              v.object({
                Metric: v.object({ Dimensions: v.nullish(v.array(DimensionSchema), null) }),
              }),
              null,
            ),
          }),
        ),
        null,
      ),
    }),
    null,
  ),
});
type CloudWatchAlarm = v.InferOutput<typeof CloudWatchAlarmSchema>;

const queueNameOf = (alarm: CloudWatchAlarm): string | null => {
  const dimensions = [
    ...(alarm.Trigger?.Dimensions ?? []),
    ...(alarm.Trigger?.Metrics ?? []).flatMap(
      (metric) => metric.MetricStat?.Metric.Dimensions ?? [],
    ),
  ];
  return dimensions.find((dimension) => dimension.name === 'QueueName')?.value ?? null;
};

const toDeadLetterAlarm = (alarm: CloudWatchAlarm): DeadLetterAlarm => ({
  alarmName: alarm.AlarmName,
  description: alarm.AlarmDescription,
  newState: alarm.NewStateValue,
  previousState: alarm.OldStateValue,
  reason: alarm.NewStateReason,
  stateChangeTime: alarm.StateChangeTime,
  region: alarm.Region,
  accountId: alarm.AWSAccountId,
  queueName: queueNameOf(alarm),
});

const jsonOf = (text: string): unknown => {
  const json = parseJson(text);
  if (json.success) return json.value;
  throw new InvalidNotificationError('notification body is not JSON', {
    cause: json.errors[0]?.message,
  });
};

const MAX_ENVELOPES = 2;

/** What a queue record carries: a message of an alert group, or a single alert (an alarm). */
export type Notification =
  | { readonly kind: 'group-message'; readonly message: GroupMessage }
  | { readonly kind: 'alert'; readonly alert: Alert };

/** The notification a queue record carries, whichever publisher produced it. */
export const parseNotification = (body: string): Notification => {
  let value = jsonOf(body);
  for (let depth = 0; depth < MAX_ENVELOPES; depth++) {
    const envelope = v.safeParse(SnsEnvelopeSchema, value);
    if (!envelope.success) break;
    value = jsonOf(envelope.output.Message);
  }
  const message = v.safeParse(GroupMessageSchema, value);
  if (message.success) return { kind: 'group-message', message: message.output };
  const alert = v.safeParse(AlertSchema, value);
  if (alert.success) return { kind: 'alert', alert: alert.output };
  const alarm = v.safeParse(CloudWatchAlarmSchema, value);
  if (alarm.success) {
    return { kind: 'alert', alert: deadLettersAlert(toDeadLetterAlarm(alarm.output)) };
  }
  // Paths only: the body itself is never repeated in an error or a log line.
  const paths = (issues: readonly v.BaseIssue<unknown>[]) =>
    [...new Set(issues.map((issue) => v.getDotPath(issue) ?? '(root)'))].slice(0, 5).join(', ');
  throw new InvalidNotificationError(
    `notification is neither an alert group message (invalid at ${paths(message.issues)}), an alert (invalid at ${paths(alert.issues)}) nor a CloudWatch alarm (invalid at ${paths(alarm.issues)})`,
  );
};
