import { Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../lib/cloud/settings.ts';
import { FulfillmentWebhooksStack } from '../../lib/cloud/stack.ts';
import {
  FULL_OPTIONS,
  type SynthesizedStack,
  synthStack,
  testApp,
  testContext,
} from './support.ts';

/** Every acknowledgement in a construct tree: where, which rule, why. */
const acknowledgements = (root: IConstruct) =>
  root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );

/** The findings AwsSolutions reports when acknowledgements are ignored. */
const rawFindings = (root: IConstruct) => {
  const checks = new AwsSolutionsChecks();
  (checks as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return checks.validateScope(root).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      id: violation.ruleName,
      path: resource.constructPath ?? '',
    })),
  );
};

describe('cdk-nag AwsSolutions', () => {
  let full: SynthesizedStack;
  let bare: SynthesizedStack;

  beforeAll(() => {
    full = synthStack(FULL_OPTIONS);
    bare = synthStack();
  });

  it('finds nothing unacknowledged in the stack with every option on', () => {
    const report = new AwsSolutionsChecks().validateScope(full.app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('finds nothing unacknowledged in the stack with default settings', () => {
    const report = new AwsSolutionsChecks().validateScope(bare.app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });

  it('gives every acknowledgement a rule id and a reason that explains it', () => {
    const acks = acknowledgements(full.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(80);
    }
  });

  it('acknowledges only findings that actually occur there', () => {
    const findings = rawFindings(full.app);
    for (const ack of acknowledgements(full.app)) {
      const covered = findings.some(
        (finding) =>
          finding.id === ack.id &&
          (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
      );
      expect(covered, `${ack.path} ${ack.id} acknowledges nothing`).toBe(true);
    }
  });

  it('passes synthesis with the plugin registered as lib/cloud/app.ts registers it', () => {
    const app = testApp(FULL_OPTIONS);
    new FulfillmentWebhooksStack(app, 'FulfillmentWebhooks', {
      settings: parseSettings(testContext(FULL_OPTIONS)),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('would fail synthesis on an unacknowledged finding', () => {
    const app = testApp();
    const stack = new Stack(app, 'Careless');
    new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
