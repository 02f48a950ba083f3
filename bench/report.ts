import type { AlertStormResult } from './alert-storm.ts';
import { PRICES } from './prices.ts';
import { ratio } from './stats.ts';

/** The readable table printed at the end of a run; docs/performance.md holds the latest one, checked by a test. */

interface Level {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ratioP50: number;
  readonly ratioP99: number;
  readonly baseline: { readonly p50Ms: number; readonly p99Ms: number };
}

interface Kind {
  readonly writesPerEvent: number;
  readonly readsPerEvent: number;
  readonly writesRatio: number;
}

interface Bundle {
  readonly bytes: number;
  readonly ratio: number;
  readonly importMs: number;
  readonly importRatio: number;
}

/** The parts of `results.json` the table shows. */
export interface ReportInput {
  readonly ack: Readonly<Record<string, unknown>> & { readonly n: number };
  readonly ingest: {
    readonly cpuUsPerRequest: number;
    readonly parts: { readonly verifyUs: number; readonly parseValidateUs: number };
  };
  readonly process: {
    readonly baselineWritesPerEvent: number;
    readonly byKind: Readonly<Record<string, Kind>>;
    readonly mix: Kind;
    readonly eventsPerSec: number;
    readonly baselineUpdatesPerSec: number;
    readonly ratio: number;
    /** Absent from results older than this figure. */
    readonly dynamodbCallsPerEvent?: number;
  };
  readonly bundle: Readonly<Record<string, unknown>> & {
    readonly baseline: { readonly bytes: number; readonly importMs: number };
  };
  readonly cost: {
    readonly usdPerMillion: number;
    readonly baselineUsdPerMillion: number;
    readonly ratio: number;
    readonly pricesAsOf: string;
  };
  /** The same cost model over the in-order lifecycle run (`created` → `accepted`). */
  readonly lifecycleCost?: {
    readonly usdPerMillion: number;
    readonly baselineUsdPerMillion: number;
    readonly ratio: number;
    readonly integrations: number;
    readonly perEvent: { readonly writeUnits: number; readonly indexWriteUnits: number };
  };
  /** Integration item sizes at the end of the end-to-end run. */
  readonly integrationItem?: { readonly meanBytes: number; readonly maxBytes: number };
  /** Fixed monthly cost of an idle stage. */
  readonly idle?: {
    readonly usdPerMonth: number;
    readonly usdPerMonthWithFreeDashboard: number;
    readonly usdPerMonthWithoutDashboard?: number;
  };
  /** The alert path under an outage of one fulfillment service. */
  readonly alertStorm?: AlertStormResult;
}

/** One DynamoDB write unit covers an item up to this size. */
const WRITE_UNIT_BYTES = 1024;
/** What an idle stage should cost at most per month. */
export const IDLE_TARGET_USD = 3;

const isLevel = (value: unknown): value is Level =>
  typeof value === 'object' && value !== null && 'ratioP50' in value;
const isBundle = (value: unknown): value is Bundle =>
  typeof value === 'object' && value !== null && 'importRatio' in value;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const renderTable = (results: ReportInput): string => {
  const rows: [string, string, string, string][] = [];
  for (const [level, value] of Object.entries(results.ack)) {
    if (!/^c\d+$/.test(level) || !isLevel(value)) continue;
    const concurrency = level.slice(1);
    rows.push(
      [
        `ack p50, concurrency ${concurrency} (N=${results.ack.n})`,
        `${value.p50Ms} ms`,
        `${value.baseline.p50Ms} ms`,
        `${value.ratioP50}`,
      ],
      [
        `ack p99, concurrency ${concurrency}`,
        `${value.p99Ms} ms`,
        `${value.baseline.p99Ms} ms`,
        `${value.ratioP99}`,
      ],
    );
  }
  const { ingest } = results;
  rows.push([
    'ingest CPU per request (no SQS call)',
    `${ingest.cpuUsPerRequest} µs`,
    `verify ${ingest.parts.verifyUs} µs + parse/validate ${ingest.parts.parseValidateUs} µs`,
    '—',
  ]);
  const { process } = results;
  for (const [kind, figures] of [...Object.entries(process.byKind), ['10k mix', process.mix]] as [
    string,
    Kind,
  ][]) {
    rows.push([
      `DynamoDB writes per event, ${kind}`,
      `${figures.writesPerEvent} (+${figures.readsPerEvent} reads)`,
      `${process.baselineWritesPerEvent} (Powertools + transaction)`,
      `${figures.writesRatio}`,
    ]);
  }
  rows.push([
    'end-to-end events/s (10k events, 1k integrations)',
    `${process.eventsPerSec}`,
    `${process.baselineUpdatesPerSec} UpdateItem/s`,
    `${process.ratio}`,
  ]);
  if (process.dynamodbCallsPerEvent !== undefined) {
    rows.push([
      'DynamoDB calls per event, end to end',
      `${process.dynamodbCallsPerEvent}`,
      '1 (the baseline: one UpdateItem)',
      `${process.dynamodbCallsPerEvent}`,
    ]);
  }
  const base = results.bundle.baseline;
  for (const [name, value] of Object.entries(results.bundle)) {
    if (!isBundle(value)) continue;
    rows.push(
      [`bundle ${name}`, kib(value.bytes), `${kib(base.bytes)} (SQS-only)`, `${value.ratio}`],
      [
        `import ${name} (cold-start proxy)`,
        `${value.importMs} ms`,
        `${base.importMs} ms`,
        `${value.importRatio}`,
      ],
    );
  }
  const { cost } = results;
  rows.push([
    `cost per million webhooks (prices ${cost.pricesAsOf})`,
    `$${cost.usdPerMillion.toFixed(2)}`,
    `$${cost.baselineUsdPerMillion.toFixed(2)} (Powertools + transaction)`,
    `${cost.ratio}`,
  ]);
  if (results.lifecycleCost) {
    const life = results.lifecycleCost;
    rows.push([
      `cost per million webhooks, in order (${life.integrations} new integrations, created → accepted)`,
      `$${life.usdPerMillion.toFixed(2)} (${life.perEvent.writeUnits} WU per event, ${life.perEvent.indexWriteUnits} of them index entries)`,
      `$${life.baselineUsdPerMillion.toFixed(2)} (Powertools + transaction)`,
      `${life.ratio}`,
    ]);
  }
  if (results.integrationItem) {
    const { meanBytes, maxBytes } = results.integrationItem;
    rows.push([
      'integration item size, end of run (mean / max)',
      `${meanBytes} B / ${maxBytes} B`,
      `${WRITE_UNIT_BYTES} B (1 write unit)`,
      `${Math.round((maxBytes / WRITE_UNIT_BYTES) * 1000) / 1000}`,
    ]);
  }
  if (results.alertStorm) {
    const storm = results.alertStorm;
    const { firing, resolved } = storm.messages;
    const ungroupedUsd =
      (storm.incidents * PRICES.snsPerMillionPublishes) / 1_000_000 +
      storm.incidents * PRICES.snsPerEmailDelivery;
    rows.push(
      [
        `alert storm: messages per channel (${storm.incidents} errored, ${storm.recovered} recover)`,
        `email ${firing.email} + ${resolved.email} resolved, Slack ${firing.slack} + ${resolved.slack} resolved (${storm.reported} listed)`,
        `${storm.incidents} + ${storm.recovered} per channel (one per incident)`,
        `${ratio(firing.email + resolved.email, storm.incidents + storm.recovered)}`,
      ],
      [
        'alert ledger per incident (DynamoDB)',
        `${storm.ledgerPerIncident.writes} writes (${storm.ledgerPerIncident.writeUnits} WU), ${storm.ledgerPerIncident.reads} reads (${storm.ledgerPerIncident.readUnits} RU)`,
        '—',
        '—',
      ],
      [
        'alert path cost per storm (ledger, flushes, publishes, emails)',
        `$${storm.usdPerStorm.toFixed(4)}`,
        `$${ungroupedUsd.toFixed(4)} (a publish and an email per incident)`,
        `${ratio(storm.usdPerStorm, ungroupedUsd)}`,
      ],
    );
  }
  if (results.idle) {
    const withoutDashboard =
      results.idle.usdPerMonthWithoutDashboard === undefined
        ? `$${results.idle.usdPerMonthWithFreeDashboard.toFixed(2)} with a free dashboard`
        : `$${results.idle.usdPerMonthWithoutDashboard.toFixed(2)} without the dashboard`;
    rows.push([
      'idle stage, fixed cost per month',
      `$${results.idle.usdPerMonth.toFixed(2)} (${withoutDashboard})`,
      `$${IDLE_TARGET_USD.toFixed(2)} (target)`,
      `${Math.round((results.idle.usdPerMonth / IDLE_TARGET_USD) * 1000) / 1000}`,
    ]);
  }

  const header: [string, string, string, string] = ['metric', 'this design', 'baseline', 'ratio'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
};
