import { describe, expect, it } from 'vitest';
import { OPS_ROUTES } from '../../functions/definitions/routes.ts';
import { runOps, USAGE } from '../../lib/ops/cli.ts';
import { usageLine } from '../../lib/ops/command.ts';
import { COMMANDS } from '../../lib/ops/commands.ts';
import { INTEGRATION_VIEW_ROUTE } from '../../lib/ops/routes.ts';

/** The CLI's command table: what it derives, and what it refuses before calling anything. */

const run = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(argv, {
    print: (text) => out.push(text),
    printError: (text) => err.push(text),
    env: {},
    fetchImpl: () => Promise.reject(new Error('no request expected')),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
};

describe('the operator command table', () => {
  it('calls only routes the API defines', () => {
    const known = new Set<string>([...Object.values(OPS_ROUTES), INTEGRATION_VIEW_ROUTE]);
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(known.has(command.route), name).toBe(true);
    }
  });

  it('derives the usage text from the table', async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(USAGE).toContain(`  ${usageLine(name, command)}\n`);
    }
    expect(usageLine('integrations list', COMMANDS['integrations list'] ?? fail())).toBe(
      'integrations list [--state S] [--organization O] [--location L] [--service F] [--limit N] [--cursor C] [--all]',
    );
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(USAGE);
  });

  it('refuses an option that does not apply to the command, naming its usage', async () => {
    const result = await run('quarantine', 'list', '--state', 'ERROR');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--state does not apply to quarantine list');
    expect(result.stderr).toContain('usage: npm run ops -- quarantine list [--source');
  });

  it('refuses an unknown command and a missing id', async () => {
    const unknown = await run('integrations', 'delete');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: integrations delete');
    const noId = await run('quarantine', 'show');
    expect(noId.code).toBe(1);
    expect(noId.stderr).toBe('error: quarantine show needs an id');
  });
});

const fail = (): never => {
  throw new Error('missing command');
};
