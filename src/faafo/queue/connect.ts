// Opening an AMQP connection with a bounded wait, and naming failures without leaking the password.
import amqp, { type ChannelModel } from 'amqplib';
import { redactText, redactUrl } from '../../shared/redact.ts';

export const CONNECT_TIMEOUT_MS = 5_000;

export async function connectBroker(transportUrl: string, connectionName: string): Promise<ChannelModel> {
  try {
    return await amqp.connect(transportUrl, {
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: connectionName },
    });
  } catch (error) {
    throw new Error(
      `Cannot connect to the message broker at ${redactUrl(transportUrl)}: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ETIMEDOUT') return 'timed out';
    return redactText(error.message);
  }
  return redactText(String(error));
}
