import { randomUUID } from 'node:crypto';

/** Ids unique to one run and test, so suites sharing a table never see each other's items. */
export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;

export const at = (hour: number) => `2024-06-10T${String(hour).padStart(2, '0')}:00:00.000Z`;
export const NOW = new Date('2024-06-12T00:00:00.000Z');
export const TIMING = { recordedAt: NOW.toISOString(), expiresAt: 1 };
