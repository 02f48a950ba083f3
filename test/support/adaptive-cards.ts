import { AdaptiveCard, SerializationContext, Versions } from 'adaptivecards';

/**
 * What Microsoft's own Adaptive Cards library finds wrong with `content` read as a card of
 * version 1.4: parse events (an unknown element or property value, a feature of a later
 * version) and validation failures (a duplicate id, a missing required property). Empty when
 * Teams can render it as sent.
 */
export const adaptiveCardProblems = (content: unknown): string[] => {
  const context = new SerializationContext(Versions.v1_4);
  const card = new AdaptiveCard();
  card.parse(content, context);
  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index++) {
    problems.push(`parse: ${context.getEventAt(index).message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validate: ${event.message}`);
  }
  if (card.version.toString() !== Versions.v1_4.toString()) {
    problems.push(`version ${card.version.toString()}, not 1.4`);
  }
  return problems;
};
