import { describe, expect, it } from 'vitest';
import {
  integrationErroredAlert,
  quarantinedAlert,
} from '../../functions/alerting/domain/content.ts';
import { groupMessageOf } from '../../functions/alerting/domain/group-message.ts';
import type { GroupMessage } from '../../functions/core/alerts.ts';
import type { AlertPublisher, EventQueue } from '../../functions/core/ports.ts';
import type { QueueMessage } from '../../functions/core/queue-message.ts';
import { integrationView } from '../../functions/core/view.ts';
import { envelope, lifecycleEvent } from '../support/events.ts';
import { NOW, uniqueId } from './support.ts';

export interface QueueHarness {
  readonly queue: EventQueue;
  /** Every message now on the queue, as the processor would parse it; they are taken off. */
  receive(count: number): Promise<QueueMessage[]>;
}

export interface PublisherHarness {
  readonly publisher: AlertPublisher;
  /** The messages delivered to a subscriber since the last call, waiting for `count`. */
  delivered(count: number): Promise<GroupMessage[]>;
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** What every `EventQueue` must do: what is received is what was sent. */
export const describeEventQueueContract = (name: string, harness: () => QueueHarness) =>
  describe(`EventQueue contract: ${name}`, () => {
    it('delivers each message sent, unchanged, under distinct ids', async () => {
      const id = uniqueId('contract-queue');
      const messages: QueueMessage[] = [
        {
          kind: 'webhook',
          receivedAt: NOW.toISOString(),
          webhook: envelope(lifecycleEvent('accepted', { id, accessToken: 'tok_SECRET_123' })),
        },
        {
          kind: 'quarantine',
          receivedAt: NOW.toISOString(),
          source: 'happycolis',
          errors: [{ path: 'body.scopes', message: 'Invalid type' }],
          payloadBase64: Buffer.from(`{"id":"${id}","note":"é😀"}`).toString('base64'),
        },
        {
          kind: 'delivery-error',
          receivedAt: NOW.toISOString(),
          notice: { code: '500', endpoint: `https://example.test/${id}`, message: 'timeout' },
        },
      ];
      const sent = await Promise.all(messages.map((message) => harness().queue.send(message)));
      const ids = sent.map((result) => result.queueMessageId);
      expect(new Set(ids).size).toBe(messages.length);
      for (const queueMessageId of ids) expect(queueMessageId).not.toBe('');
      const received = await harness().receive(messages.length);
      expect([...received].sort(byJson)).toEqual([...messages].sort(byJson));
    });
  });

/** What every `AlertPublisher` must do: what a subscriber receives is the alert published. */
export const describeAlertPublisherContract = (name: string, harness: () => PublisherHarness) =>
  describe(`AlertPublisher contract: ${name}`, () => {
    it('delivers each alert group message published, unchanged', async () => {
      const id = uniqueId('contract-alert');
      const errored = lifecycleEvent('errored', { id, date: '2024-06-11T14:00:00.000Z' });
      const view = integrationView(
        id,
        {
          id,
          registers: {
            errored: {
              key: 'k',
              date: errored.header.date,
              messageId: errored.header.messageId,
              webhookId: errored.header.webhookId,
              organizationId: errored.header.organizationId,
              locationId: errored.body.locationId,
              fulfillmentServiceId: errored.body.fulfillmentServiceId,
              scopes: errored.body.scopes,
              state: 'ERROR',
            },
          },
          hasAccessToken: false,
        },
        [],
      );
      if (!view) throw new Error('the view of a stored integration is defined');
      const alerts = [
        integrationErroredAlert(errored, view),
        quarantinedAlert({
          id,
          source: 'happycolis',
          receivedAt: NOW.toISOString(),
          errors: [{ path: 'body', message: 'Invalid type' }],
        }),
      ];
      const digests = [
        groupMessageOf({ groupKey: `contract|${id}|one`, seq: 1, alerts: alerts.slice(0, 1) }),
        groupMessageOf({ groupKey: `contract|${id}|two`, seq: 2, alerts }),
      ];
      for (const digest of digests) await harness().publisher.publish(digest);
      const delivered = await harness().delivered(digests.length);
      expect([...delivered].sort(byJson)).toEqual([...digests].sort(byJson));
    });
  });
