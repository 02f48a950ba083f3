import { createHash } from 'node:crypto';
import type { Alert, AlertKind } from '../../core/alerts.ts';
import type { IntegrationEvent } from '../../core/events.ts';
import {
  ALERT_INCIDENT_KEY_MAX_BYTES,
  SQS_FORBIDDEN_CHARACTER,
  utf8Bytes,
} from '../../core/limits.ts';
import { kindSpec } from './kinds.ts';

/**
 * Which group an alert is reported in, the way Alertmanager groups: by kind and organization,
 * and by fulfillment service for kinds about one integration (`groupBy: 'service'`). Pure.
 */

const RESOLVED_SUFFIX = '|resolved';

/** Whether alerts of `kind` are about one integration each (grouped by fulfillment service). */
export const isPerService = (kind: AlertKind): boolean => kindSpec(kind).groupBy === 'service';

/**
 * One part of a group key. `|` and `%` are escaped, and the two values the key gives a meaning
 * (`-` for null, `resolved` for the suffix) are written differently, so that two different
 * groups never share a key and a key ends with `|resolved` only for resolved notices.
 */
const keyPart = (value: string | null): string => {
  if (value === null) return '-';
  if (value === '-') return '%2D';
  if (value === 'resolved') return '%72esolved';
  return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
};

/**
 * A base key (kind, organization and, per service, fulfillment service), short enough that the
 * resolved group's key still fits the ledger's key budget. A longer key, or one with characters
 * a queue refuses, is replaced by its SHA-256 (same parts in, same key out).
 */
const baseGroupKey = (
  kind: AlertKind,
  organizationId: string | null,
  fulfillmentServiceId: string | null,
): string => {
  const key = isPerService(kind)
    ? `${kind}|${keyPart(organizationId)}|${keyPart(fulfillmentServiceId)}`
    : `${kind}|${keyPart(organizationId)}`;
  if (
    utf8Bytes(key) <= ALERT_INCIDENT_KEY_MAX_BYTES - RESOLVED_SUFFIX.length &&
    !SQS_FORBIDDEN_CHARACTER.test(key)
  ) {
    return key;
  }
  return `${kind}|sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
};

/** The group of resolved notices for the incidents of group `groupKey`. */
export const resolvedGroupKey = (groupKey: string): string => `${groupKey}${RESOLVED_SUFFIX}`;

/** Whether `groupKey` is a group of resolved notices. */
export const isResolvedGroup = (groupKey: string): boolean => groupKey.endsWith(RESOLVED_SUFFIX);

/**
 * The group an alert is reported in: `kind|organizationId`, plus `|fulfillmentServiceId` for
 * per-service kinds, `-` for a null part; at most {@link ALERT_INCIDENT_KEY_MAX_BYTES} UTF-8
 * bytes. A notice that resolves another kind groups under that kind's key plus `|resolved`, so
 * `groupKeyOf(resolved) === resolvedGroupKey(groupKeyOf(reported))`.
 */
export const groupKeyOf = (alert: Alert): string => {
  const fulfillmentServiceId = alert.integration?.fulfillmentServiceId ?? null;
  const resolves = kindSpec(alert.kind).resolves;
  if (resolves !== undefined) {
    return resolvedGroupKey(baseGroupKey(resolves, alert.organizationId, fulfillmentServiceId));
  }
  return baseGroupKey(alert.kind, alert.organizationId, fulfillmentServiceId);
};

/**
 * The group the `integration-errored` incidents of `event`'s integration are reported in: what
 * a later recovery resolves.
 */
export const erroredGroupKey = (event: IntegrationEvent): string =>
  baseGroupKey('integration-errored', event.header.organizationId, event.body.fulfillmentServiceId);

/** The order of a message's incidents, as the ledger returns them: oldest first, then by key. */
export const byOccurrence = (a: Alert, b: Alert): number =>
  a.occurredAt < b.occurredAt
    ? -1
    : a.occurredAt > b.occurredAt
      ? 1
      : a.incidentKey < b.incidentKey
        ? -1
        : a.incidentKey > b.incidentKey
          ? 1
          : 0;
