// What a notebook imports, in one module (built to CommonJS for tslab: scripts/build-notebook-lib.mjs):
// openLesson and its display helpers, and every name the lesson's steps import from their own
// folder, so a cell can hold a step's function exactly as steps/step-N.ts has it.

export { countBy, createFractals, faafo } from '../../steps/faafo-cli.ts';
export {
  type Connection,
  type FloatingIp,
  findNode,
  findSecurityGroup,
  type Image,
  INSTALLER_URL,
  type Node,
  type SecurityGroup,
  type Size,
  type StepContext,
} from '../../steps/lesson-context.ts';
export { getFloatingIp } from '../../steps/step-3.ts';
export { dataDir } from '../faafo/config.ts';
export type { Display } from './display.ts';
export { CellFailure } from './failure.ts';
export { type NotebookLesson, openLesson } from './lesson.ts';
