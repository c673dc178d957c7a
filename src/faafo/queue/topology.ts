// The task queue's topology — the one place it is defined. Names as the original faafo's
// faafo/queues.py: a direct exchange `tasks`, a queue `normal` bound with routing key `normal`.
// Both sides declare it (the original's API did not, so tasks posted before the first worker
// started were dropped), and both declare it identically (RabbitMQ refuses a redeclaration with
// different arguments: 406 PRECONDITION_FAILED).
import type { Channel, ConfirmChannel } from 'amqplib';

export const TASK_EXCHANGE = 'tasks';
export const TASK_QUEUE = 'normal';
export const TASK_ROUTING_KEY = 'normal';

export async function declareTopology(channel: Channel | ConfirmChannel): Promise<void> {
  await channel.assertExchange(TASK_EXCHANGE, 'direct', { durable: true, autoDelete: false });
  await channel.assertQueue(TASK_QUEUE, { durable: true, exclusive: false, autoDelete: false });
  await channel.bindQueue(TASK_QUEUE, TASK_EXCHANGE, TASK_ROUTING_KEY);
}
