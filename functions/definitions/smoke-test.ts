/**
 * The reserved integration of the smoke test (`npm run ops -- smoke`): a deployed stage
 * receives a signed `accepted` event for it, applies it and shows it like any other, but it is
 * kept out of the operator lists (and so out of the stuck-PENDING check and the reconciler,
 * which read them). Its ids name no real HappyColis object.
 */
export const SMOKE_TEST = {
  integrationId: 'smoke-test-integration',
  organizationId: 'smoke-test',
  locationId: 'smoke-test',
  fulfillmentServiceId: 'smoke-test',
} as const;

/** Whether an integration id is the smoke test's. */
export const isSmokeTestIntegration = (id: string): boolean => id === SMOKE_TEST.integrationId;
