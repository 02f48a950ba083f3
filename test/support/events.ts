import {
  EVENT_TYPES,
  type IntegrationEvent,
  type LifecycleStep,
} from '../../functions/core/events.ts';
import { stateAfter } from '../../functions/core/lifecycle.ts';

export const INTEGRATION_ID = 'r9s0t1u2-v3w4-5678-xyza-901234567890';

/** A lifecycle event for one integration, shaped like the seed samples. */
export const lifecycleEvent = (
  step: LifecycleStep,
  options: {
    date?: string;
    messageId?: string;
    id?: string;
    accessToken?: string | null;
    state?: IntegrationEvent['body']['state'];
  } = {},
): IntegrationEvent => ({
  step,
  header: {
    organizationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    messageId: options.messageId ?? `msg-${step}`,
    webhookId: 'c3d4e5f6-a7b8-9012-cdef-123456789012',
    type: EVENT_TYPES[step],
    date: options.date ?? '2024-06-10T09:00:00.000Z',
  },
  body: {
    id: options.id ?? INTEGRATION_ID,
    locationId: 'j1k2l3m4-n5o6-7890-pqrs-123456789012',
    fulfillmentServiceId: 's0t1u2v3-w4x5-6789-yzab-012345678901',
    accessToken: options.accessToken ?? (step === 'accepted' ? 'tok_SECRET_123' : null),
    scopes: ['fulfillment:read', 'fulfillment:write', 'inventory:read'],
    state: options.state !== undefined ? options.state : stateAfter(step, null),
  },
});

/** The wire form of an event (what HappyColis posts): no `step`. */
export const envelope = ({ header, body }: IntegrationEvent) => ({ header, body });
