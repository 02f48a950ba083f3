/**
 * Base of every error this project raises. Its `name` is the subclass's own (`new.target`),
 * so logs and `instanceof` checks tell errors apart without each class repeating it, and it
 * takes `ErrorOptions` so a `cause` is never lost.
 */
export class ReceiverError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
