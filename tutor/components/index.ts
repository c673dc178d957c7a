// The tutor's presentational components and the small hooks that drive their keys: everything the
// app (tutor/app.tsx) composes a chapter from. Each takes plain data as props (numbers, strings,
// samples { at, value }, the step runner's events) and knows nothing of clouds or the engine; each
// file's header states its props.
export { BacklogChart, type BacklogChartProps } from './backlog-chart.tsx';
export { BeforeAfterTable, type BeforeAfterTableProps, type MeasuredFigures } from './before-after-table.tsx';
export { ChapterView, type ChapterViewProps } from './chapter-view.tsx';
export type { Sample } from './chart-plot.ts';
export { type CheckItem, CheckList, type CheckListProps, type CheckState } from './check-list.tsx';
export { CodeView, type CodeViewProps } from './code-view.tsx';
export { formatDuration, formatLoad, formatNumber, formatRatio } from './format.ts';
export { FractalImage, type FractalImageProps } from './fractal-image.tsx';
export { HelpOverlay, type HelpOverlayProps } from './help-overlay.tsx';
export { KeyBar, type KeyBarProps } from './key-bar.tsx';
export { KEYS, type KeyInfo, type KeyName } from './keys.ts';
export { LatencyPanel, type LatencyPanelProps } from './latency-panel.tsx';
export { AT_CAPACITY, LoadChart, type LoadChartProps, type NodeLoad } from './load-chart.tsx';
export {
  PredictionPrompt,
  type PredictionPromptProps,
  type PredictionQuestion,
} from './prediction-prompt.tsx';
export { StepProgress, type StepProgressProps } from './step-progress.tsx';
export { type UseKeysOptions, useKeys } from './use-keys.ts';
export { type UseScrollOptions, useScroll } from './use-scroll.ts';
export { useTerminalSize } from './use-terminal-size.ts';
