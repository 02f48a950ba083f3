import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { ReceiverError } from '../../functions/core/errors.ts';

/**
 * The Node.js lines `package.json` accepts (`engines.node`, e.g. `^22.22.2 || ^24.0.0`).
 * npm refuses to install on any other (`engine-strict` in `.npmrc`); this says the same,
 * clearly, to whoever runs the runtime or the tests on an older node with modules already there.
 */
export const supportedNodeLines = (engines: string): number[] =>
  [...engines.matchAll(/\^(\d+)\./g)].map((match) => Number(match[1]));

/** An error message when `version` (e.g. `v20.20.2`) is not of a supported line. */
export const unsupportedNodeMessage = (version: string, engines: string): string | undefined => {
  const lines = supportedNodeLines(engines);
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (lines.includes(major)) return undefined;
  return (
    `Node.js ${version} is not supported: this project runs on Node.js ${lines.join(' or ')} ` +
    `(package.json "engines": "${engines}"). Use \`nvm use\` (.nvmrc), or from any Linux ` +
    'machine with npm: scripts/node24 <command>, e.g. scripts/node24 npm test'
  );
};

export class UnsupportedNodeError extends ReceiverError {
  constructor(message: string) {
    super(message);
  }
}

const ManifestSchema = v.object({ engines: v.object({ node: v.string() }) });

/** Throws the message above when this process runs on an unsupported Node.js line. */
export const assertSupportedNode = (): void => {
  const manifest = v.parse(
    ManifestSchema,
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')),
  );
  const message = unsupportedNodeMessage(process.version, manifest.engines.node);
  if (message) throw new UnsupportedNodeError(message);
};
