import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../../functions/definitions/service.ts';
import type { LogLevel } from '../settings.ts';

/** The repository root: `lib/cloud/constructs/` is three levels down. */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of a handler entry, e.g. `handlerEntry('ingest')` → `functions/ingest/handler.ts`. */
export const handlerEntry = (name: string): string =>
  join(PROJECT_ROOT, 'functions', name, 'handler.ts');

/**
 * ESM output cannot `require()`, but some CommonJS dependencies bundled into it do (axios
 * under `@slack/webhook`, for one); this gives them a working `require`.
 */
const CJS_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Settings every function shares; the stack reads them from context once. */
export interface FunctionDefaults {
  /** Retention of each function's log group. */
  readonly logRetention: RetentionDays;
  /** `LOG_LEVEL` / `POWERTOOLS_LOG_LEVEL` of the Powertools logger. */
  readonly logLevel: LogLevel;
  /**
   * `POWERTOOLS_SERVICE_NAME`: the stage's own (`stageServiceName`), so its metrics carry a
   * `service` dimension no other stage shares.
   */
  readonly serviceName: string;
}

export interface LambdaFunctionProps extends FunctionDefaults {
  /** Absolute path of the TypeScript entry file exporting `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Hard limit of one invocation. No default: each function's limit follows from who waits
   * for it (a webhook sender, the SQS visibility timeout, a schedule).
   */
  readonly timeout: Duration;
  /**
   * Memory in MB. Lambda allocates CPU in proportion, so this also sets how fast a cold start
   * (module init, SDK clients) runs. No default, like `timeout`: each caller says why.
   */
  readonly memorySize: number;
  /** Function-specific environment, added to the shared Powertools variables. */
  readonly environment?: Readonly<Record<string, string>>;
  // No reserved concurrency, on purpose: Lambda refuses a reservation that leaves the
  // account's unreserved minimum, which fails a first deploy in an account whose quota is 10.
  // Queue consumers are capped by their event source mapping's maximum concurrency instead.
}

/**
 * One Lambda function as this project runs them all: Node.js 24 on arm64, bundled by the
 * local esbuild into minified ESM with source maps, an explicit log group with retention,
 * X-Ray active tracing, Powertools configuration, and a role of its own that starts with
 * nothing but writing to that log group (no AWS managed policy).
 */
export class LambdaFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // Operational logs, bounded by retention; nothing in them is needed after a teardown.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${id}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: props.logLevel,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: CJS_REQUIRE_BANNER,
        target: 'node24',
        minify: true,
        // Error classes take their name from the class (`ReceiverError`): logs keep it.
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Stack traces need names and lines, not the sources: keeps the .map files small.
        sourcesContent: false,
        // The SDK clients are bundled at the versions package-lock.json pins and the tests
        // ran, instead of whatever the runtime ships that month; tree-shaking keeps it small.
        bundleAwsSDK: true,
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords ' +
        'support no resource-level permissions, so Resource "*" is the only form. Every other ' +
        'statement of this role names its resources.',
    });
  }
}

/**
 * `secretsmanager:GetSecretValue` on one secret referenced by name. A secret imported by name
 * has a partial ARN; Secrets Manager appends six random characters to every secret ARN, so
 * the policy must match `<name>-??????` (what CDK's own `grantRead` does) or every read is
 * denied.
 */
export const grantSecretValue = (grantee: IGrantable, ...secrets: ISecret[]): void => {
  Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: secrets.map((secret) => secret.secretFullArn ?? `${secret.secretArn}-??????`),
  });
};

/**
 * Acknowledges, on the role of `grantee`, the wildcard KMS actions that CDK's key grants
 * write (`GenerateDataKey*`, `ReEncrypt*`), with the grant's reason. The statements still name
 * one key ARN; only the variants of one operation are wildcarded.
 */
export const acknowledgeKeyActionWildcards = (
  grantee: IGrantable,
  actions: readonly ('kms:GenerateDataKey*' | 'kms:ReEncrypt*')[],
  why: string,
): void => {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) return;
  for (const action of actions) {
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${why} The statement is limited to one KMS key ARN; the wildcard only covers the variants of the operation (e.g. GenerateDataKeyWithoutPlaintext, ReEncryptFrom/To).`,
    });
  }
};
