// The API's side of the task queue: publish a task and resolve only once the broker confirmed it.
import type { Task } from '../model.ts';

export interface TaskPublisher {
  /** Resolves when the broker has confirmed the (persistent) message; rejects with QueueUnavailableError otherwise. */
  publish(task: Task): Promise<void>;
  close(): Promise<void>;
}

export class QueueUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}
