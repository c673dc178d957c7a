// A lab run, written down: what was run (which generator, with which parameters), on which topology
// (nodes and their flavors), when, and its figures (latency, errors, throughput, drain time, a
// summary of each meter's samples). One JSON file per run, checked by a zod schema on the way in and
// out, so the tutor, a notebook and the classroom can put "before" (one worker, one API node) beside
// "after" (scaled out) and `compare` can say by how much it changed.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../shared/atomic-write.ts';
import { UserError } from '../shared/user-error.ts';

export const RUN_RECORD_VERSION = 1;

const BatchGenerator = z.object({
  kind: z.literal('batch'),
  scale: z.number().positive().max(1),
  side: z.number().int().positive(),
  tasks: z.number().int().positive(),
  /** The seed the tasks were drawn with (the same seed posts the same fractals). */
  seed: z.number().int().optional(),
  /** Fixed iterations, when the batch fixed them. */
  iterations: z.number().int().positive().optional(),
});
const FloodGenerator = z.object({
  kind: z.literal('flood'),
  requests: z.number().int().positive(),
  endpoints: z.array(z.string()).min(1),
  requestTimeoutMs: z.number().positive(),
  deadlineMs: z.number().positive(),
});

const NodeLoopGenerator = z.object({
  kind: z.literal('node-loop'),
  requests: z.number().int().positive(),
  /** faafo invocations at once on each node. */
  parallel: z.number().int().positive(),
  /** The API nodes the loop ran on (each against its own API). */
  nodes: z.array(z.string()).min(1),
});

const TopologyNode = z.object({
  name: z.string(),
  flavor: z.string(),
  vcpus: z.number().int().positive().optional(),
  ramMb: z.number().int().positive().optional(),
  /** What runs there: faafo's install roles (api, worker, database, messaging). */
  roles: z.array(z.string()).default([]),
});

/** min/max/mean/last of one numeric field over a meter's samples. */
const SampleSummary = z.object({
  count: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  last: z.number().nullable(),
});
export type SampleSummary = z.infer<typeof SampleSummary>;

const Figures = z.object({
  requests: z.number().int().nonnegative().optional(),
  errors: z.number().int().nonnegative().optional(),
  p50Ms: z.number().nonnegative().nullable().optional(),
  p99Ms: z.number().nonnegative().nullable().optional(),
  /** Fractals finished (or requests answered, for a flood) per minute. */
  throughputPerMinute: z.number().nonnegative().optional(),
  /** From the first task posted until the last finished. */
  drainMs: z.number().nonnegative().optional(),
  /** Accepted (201) and found again afterwards: none lost means created === found. */
  created: z.number().int().nonnegative().optional(),
  found: z.number().int().nonnegative().optional(),
  /** Of those, how many the workers had drawn (done or failed) when the run ended. */
  drawn: z.number().int().nonnegative().optional(),
  /** Per meter, per field: e.g. samples["queue"]["depth"]. */
  samples: z.record(z.string(), z.record(z.string(), SampleSummary)).default({}),
});
export type Figures = z.infer<typeof Figures>;

export const RunRecordSchema = z.object({
  version: z.literal(RUN_RECORD_VERSION),
  /** What the run shows, as the classroom would say it: "before: one worker". */
  label: z.string().min(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  generator: z.discriminatedUnion('kind', [BatchGenerator, FloodGenerator, NodeLoopGenerator]),
  topology: z.object({
    /** "the local cloud", or the clouds.yaml name. */
    cloud: z.string(),
    nodes: z.array(TopologyNode),
  }),
  figures: Figures,
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type RunRecordInput = z.input<typeof RunRecordSchema>;

/** Checks and writes a record (whole or not at all: readers never see half a file). */
export function writeRunRecord(file: string, record: RunRecordInput): RunRecord {
  const checked = RunRecordSchema.parse(record);
  writeFileAtomicSync(file, `${JSON.stringify(checked, null, 2)}\n`, 0o644);
  return checked;
}

/** Reads a record; a missing, unreadable or malformed file is a UserError saying which and why. */
export function readRunRecord(file: string): RunRecord {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read the run record ${file}: ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`The run record ${file} is not JSON; write it again with writeRunRecord.`);
  }
  const parsed = RunRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `The run record ${file} is not a lab run record (${issue?.path.join('.') || 'record'}: ${issue?.message}).`,
    );
  }
  return parsed.data;
}

/** The summary of one numeric field over samples; samples without a number there are skipped. */
export function summarize(samples: readonly object[], field: string): SampleSummary {
  const values = samples
    .map((s) => (s as Record<string, unknown>)[field])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return { count: 0, min: null, max: null, mean: null, last: null };
  return {
    count: values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    last: values[values.length - 1]!,
  };
}

/** The figures two runs both have, each with after ÷ before (null when before is 0). */
export interface Comparison {
  figure: string;
  before: number;
  after: number;
  ratio: number | null;
}

const COMPARED = ['p50Ms', 'p99Ms', 'errors', 'throughputPerMinute', 'drainMs'] as const;

/**
 * "After" beside "before": for latency, errors and drain time a ratio below 1 is better; for
 * throughput, above 1 (the lesson's target: ≥ 2.8 with three workers instead of one).
 */
export function compare(before: RunRecord, after: RunRecord): Comparison[] {
  return COMPARED.flatMap((figure) => {
    const b = before.figures[figure];
    const a = after.figures[figure];
    if (typeof b !== 'number' || typeof a !== 'number') return [];
    return [{ figure, before: b, after: a, ratio: b === 0 ? null : a / b }];
  });
}
