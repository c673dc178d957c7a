// The lab's instruments in one import, for the tutor, the notebooks and the bench: load generators,
// meters (async iterables of timestamped samples), the load-average arithmetic and the run record.
// Loads from CommonJS too (test/unit/cloud-commonjs.test.ts), so a notebook can require it.

export * from '../shared/loadavg.ts';
export * from './batch.ts';
export * from './collect.ts';
export * from './figures.ts';
export * from './flood.ts';
export * from './fractals-meter.ts';
export * from './host-cpu.ts';
export * from './latency.ts';
export * from './node-loop.ts';
export * from './node-meter.ts';
export * from './poll.ts';
export * from './queue-meter.ts';
export * from './run-meters.ts';
export * from './run-record.ts';
export * from './scenario.ts';
export * from './seeded-random.ts';
export * from './targets.ts';
export * from './topology.ts';
