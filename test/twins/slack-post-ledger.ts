import type { SlackPostLedger } from '../../functions/core/ports.ts';
import { Faults } from './faults.ts';

/** The Slack notifier's memory of posted incidents, in memory. */
export class InMemorySlackPostLedger implements SlackPostLedger {
  readonly faults = new Faults<SlackPostLedger>();
  readonly #posted = new Map<string, string>();

  async wasPosted(incidentKey: string): Promise<boolean> {
    this.faults.enter('wasPosted', [incidentKey]);
    return this.#posted.has(incidentKey);
  }

  async markPosted(incidentKey: string, at: Date): Promise<'marked' | 'exists'> {
    this.faults.enter('markPosted', [incidentKey, at]);
    if (this.#posted.has(incidentKey)) return 'exists';
    this.#posted.set(incidentKey, at.toISOString());
    return 'marked';
  }
}
