import { describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../functions/core/alerts.ts';
import {
  AFTER_REJECTION_STEPS,
  ATTEMPT_ENDING_STEPS,
  alertOf,
  ERROR_STEPS,
  EVENT_TYPES,
  LIFECYCLE,
  LIFECYCLE_STEPS,
  RECOVERED_STATES,
  RECOVERY_STEPS,
  rankOf,
  stateAfter,
  statesOf,
  stepOf,
  tokenAfter,
  tokenChangeOf,
  UNKNOWN_RANK,
} from '../../functions/core/lifecycle.ts';

describe('the lifecycle table', () => {
  it('lists the documented HappyColis event types, in rank order', () => {
    expect(LIFECYCLE_STEPS).toEqual(['created', 'accepted', 'rejected', 'errored']);
    expect(Object.values(EVENT_TYPES)).toEqual([
      'location/fulfillment_service_integration/created',
      'location/fulfillment_service_integration/accepted',
      'location/fulfillment_service_integration/rejected',
      'location/fulfillment_service_integration/errored',
    ]);
  });

  it('gives every step a distinct type and a distinct one-digit rank below the unknown rank', () => {
    const ranks = LIFECYCLE_STEPS.map(rankOf);
    expect(new Set(ranks).size).toBe(ranks.length);
    for (const rank of ranks) expect(rank).toBeLessThan(UNKNOWN_RANK);
    expect(new Set(Object.values(EVENT_TYPES)).size).toBe(LIFECYCLE_STEPS.length);
    for (const step of LIFECYCLE_STEPS) expect(stepOf(LIFECYCLE[step].type)).toBe(step);
    expect(stepOf('location/fulfillment_service_integration/suspended')).toBeUndefined();
  });

  it('names steps that cannot collide with the integration item’s own attributes', () => {
    const itemAttributes = [
      'pk',
      'sk',
      'state',
      'listKey',
      'organizationId',
      'locationId',
      'fulfillmentServiceId',
      'webhookId',
      'scopes',
      'accessToken',
      'updatedAt',
    ];
    for (const step of LIFECYCLE_STEPS) {
      expect(step).toMatch(/^[a-z]+$/);
      expect(itemAttributes).not.toContain(step);
    }
  });

  it('lets only a rejection body choose between INACTIVE and ERROR', () => {
    expect(LIFECYCLE_STEPS.map((step) => stateAfter(step, null))).toEqual([
      'PENDING',
      'ACTIVE',
      'INACTIVE',
      'ERROR',
    ]);
    expect(stateAfter('rejected', 'ERROR')).toBe('ERROR');
    expect(stateAfter('rejected', 'ACTIVE')).toBe('INACTIVE');
    expect(stateAfter('accepted', 'ERROR')).toBe('ACTIVE');
    expect(statesOf('rejected')).toEqual(['INACTIVE', 'ERROR']);
  });

  it('ends the attempt on a rejection, after which only rejections and errors count', () => {
    expect(ATTEMPT_ENDING_STEPS).toEqual(['rejected']);
    expect(AFTER_REJECTION_STEPS).toEqual(['rejected', 'errored']);
    for (const step of ATTEMPT_ENDING_STEPS) expect(AFTER_REJECTION_STEPS).toContain(step);
  });

  it('alerts on rejections and errors, and ends errors on ACTIVE or PENDING', () => {
    expect(LIFECYCLE_STEPS.map(alertOf)).toEqual([
      null,
      null,
      'integration-rejected',
      'integration-errored',
    ]);
    for (const step of LIFECYCLE_STEPS) {
      const kind = alertOf(step);
      if (kind !== null) expect(ALERT_KINDS).toContain(kind);
    }
    expect(ERROR_STEPS).toEqual(['errored']);
    expect(RECOVERY_STEPS).toEqual(['created', 'accepted']);
    expect([...RECOVERED_STATES].sort()).toEqual(['ACTIVE', 'PENDING']);
  });

  it('sets the token an acceptance carries, clears it on an empty acceptance or a rejection', () => {
    const held = 'tok_held';
    const heldAfter = (step: (typeof LIFECYCLE_STEPS)[number], carried: string | null) =>
      tokenAfter(tokenChangeOf(step, carried), held);
    expect(heldAfter('created', 'tok_new')).toBe(held);
    expect(heldAfter('accepted', 'tok_new')).toBe('tok_new');
    expect(heldAfter('accepted', null)).toBeUndefined();
    expect(heldAfter('rejected', 'tok_new')).toBeUndefined();
    expect(heldAfter('errored', 'tok_new')).toBe(held);
  });
});
