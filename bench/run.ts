import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { measureAck } from './ack.ts';
import { measureAlertStorm } from './alert-storm.ts';
import { measureBundles } from './bundles.ts';
import { computeCost } from './cost.ts';
import { measureIdleCost } from './idle-cost.ts';
import { measureIngestCpu } from './ingest-cpu.ts';
import { meanBytes, measurePipeline } from './pipeline.ts';
import { POWERTOOLS_TRANSACTION_BASELINE } from './prices.ts';
import { createProgress } from './progress.ts';
import { renderTable } from './report.ts';
import { ratio, round } from './stats.ts';
import { generateLifecycle, generateWorkload } from './workload.ts';

/**
 * `npm run bench`: every figure is reported as a ratio against a baseline measured in the same
 * run, on the same machine, because absolute times on a shared 2-core box are noise. Writes
 * `bench/results.json`; exits non-zero, without writing, if any check of the answers fails.
 */

const SETTINGS = {
  ack: { n: 2_000, concurrencies: [1, 16] },
  ingestCpu: { iterations: 20_000 },
  throughput: { events: 10_000, integrations: 1_000, duplicateShare: 0.2, concurrency: 16 },
  /** New integrations through `created` then `accepted`, in order: the common life. */
  lifecycle: { integrations: 500 },
  bundles: { spawns: 11 },
  alertStorm: { incidents: 500 },
  /** The whole run must end well inside 5 minutes on 2 cores; each phase gets what is left. */
  budgetMs: 280_000,
  seed: 20_260_105,
} as const;

const RESULTS_FILE = new URL('results.json', import.meta.url);

const machine = () => ({
  nproc: cpus().length,
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
});

const main = async () => {
  const started = performance.now();
  const deadline = started + SETTINGS.budgetMs;
  const progress = createProgress();

  // Bundles first: spawned imports are the most sensitive to a busy machine, and nothing of
  // the bench is running yet.
  progress.start('bundles: esbuild as deployed, import in fresh processes');
  const bundles = await measureBundles({ spawns: SETTINGS.bundles.spawns, progress });
  progress.end(
    Object.entries(bundles.functions)
      .map(([name, f]) => `${name} ${(f.bytes / 1024).toFixed(0)} KiB ×${f.ratio}`)
      .join(', '),
  );

  progress.start('ingest CPU: verify + parse + validate, in-process');
  const ingest = await measureIngestCpu({ iterations: SETTINGS.ingestCpu.iterations, progress });
  progress.end(`${ingest.cpuUsPerRequest} µs CPU per request`);

  progress.start('ack latency: runtime vs bare node:http → SendMessage');
  const ack = await measureAck({ ...SETTINGS.ack, progress, deadline });
  progress.end(
    Object.entries(ack.levels)
      .map(([level, l]) => `${level} p50 ${l.p50Ms} ms ×${l.ratioP50}`)
      .join(', '),
  );

  progress.start('pipeline: writes per event, then 10,000 events end to end');
  const workload = generateWorkload({ ...SETTINGS.throughput, seed: SETTINGS.seed });
  const pipelineResult = await measurePipeline({
    workload,
    lifecycle: generateLifecycle(SETTINGS.lifecycle),
    concurrency: SETTINGS.throughput.concurrency,
    progress,
    deadline,
  });
  progress.end(
    `${pipelineResult.throughput.eventsPerSec} events/s ×${pipelineResult.throughput.ratio}, every integration as expected, DLQ empty`,
  );

  const c1 = ack.levels.c1;
  if (!c1) throw new Error('the ack phase must measure concurrency 1');
  const cost = computeCost({
    events: pipelineResult.throughput.events,
    counts: pipelineResult.counts,
    ingestMs: c1.p50Ms,
    kinds: pipelineResult.kinds,
    meanQueueMessageBytes: pipelineResult.meanQueueMessageBytes,
    meanWebhookBytes: meanBytes(workload.posts),
  });
  const { lifecycle } = pipelineResult;
  const lifecycleCost = computeCost({
    events: lifecycle.events,
    counts: lifecycle.counts,
    ingestMs: c1.p50Ms,
    kinds: pipelineResult.kinds,
    meanQueueMessageBytes: lifecycle.meanQueueMessageBytes,
    meanWebhookBytes: lifecycle.meanWebhookBytes,
  });

  progress.start('alert storm: 500 integrations of one service error, 100 recover');
  const alertStorm = await measureAlertStorm({
    incidents: SETTINGS.alertStorm.incidents,
    progress,
    deadline,
  });
  progress.end(
    `${alertStorm.messages.firing.email} email, ${alertStorm.messages.firing.slack} Slack post for ${alertStorm.reported} incidents`,
  );

  progress.start('idle stage: fixed monthly cost from the synthesized template');
  const idle = await measureIdleCost();
  progress.end(`$${idle.usdPerMonth} per month`);

  const baselineWrites = POWERTOOLS_TRANSACTION_BASELINE.writeRequestsPerEvent;
  const { kinds, throughput } = pipelineResult;
  const results = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    durationS: round((performance.now() - started) / 1000, 1),
    ack: {
      p50Ms: c1.p50Ms,
      p99Ms: c1.p99Ms,
      ratioP50: c1.ratioP50,
      ratioP99: c1.ratioP99,
      n: ack.n,
      ...ack.levels,
    },
    ingest,
    process: {
      /** The common path: a fresh event. The other kinds follow. */
      writesPerEvent: kinds.fresh.writesPerEvent,
      readsPerEvent: kinds.fresh.readsPerEvent,
      writesRatio: ratio(kinds.fresh.writesPerEvent, baselineWrites),
      baselineWritesPerEvent: baselineWrites,
      byKind: Object.fromEntries(
        Object.entries(kinds).map(([kind, figures]) => [
          kind,
          { ...figures, writesRatio: ratio(figures.writesPerEvent, baselineWrites) },
        ]),
      ),
      mix: {
        writesPerEvent: pipelineResult.mixWritesPerEvent,
        readsPerEvent: pipelineResult.mixReadsPerEvent,
        writesRatio: ratio(pipelineResult.mixWritesPerEvent, baselineWrites),
      },
      ...throughput,
      duplicateShare: SETTINGS.throughput.duplicateShare,
    },
    bundle: { ...bundles.functions, baseline: bundles.baseline, spawns: bundles.spawns },
    cost,
    lifecycleCost: {
      ...lifecycleCost,
      integrations: lifecycle.integrations,
      events: lifecycle.events,
    },
    integrationItem: pipelineResult.integrationItem,
    alertStorm,
    idle,
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${renderTable(results)}`);
  console.log(`\nWrote ${RESULTS_FILE.pathname} in ${results.durationS} s.`);
};

main().then(
  // The SDK's keep-alive sockets and the pollers' timers are closed, but a straggler must not
  // keep a finished bench alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      `\nbench failed, no figures reported: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
