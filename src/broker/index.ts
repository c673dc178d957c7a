// The embedded AMQP 0-9-1 broker's public surface: start one, point amqplib at its url.
export { type Broker, type BrokerOptions, type BrokerStats, startBroker } from './server.ts';
