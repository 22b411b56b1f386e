// The Supervisor, in one import: the class and its shapes live in src/master/supervisor/.
export { Supervisor } from './supervisor/supervisor.js';
export { SupervisorError, type SupervisorErrorInfo } from './supervisor/error.js';
export { defaultDecider, type Decider } from './supervisor/decider.js';
export { describeSupervisor } from './supervisor/describe.js';
export { realClock, type SupervisorClock } from './supervisor/clock.js';
export type {
  SupervisorOptions,
  SupervisedChildSpec,
  SupervisedChildState,
  SupervisedChildStatus,
  SupervisorState,
  SupervisorStatus,
} from './supervisor/types.js';
export type { Strategy as SupervisorStrategy, RestartType, Decision, IntensityScope } from '../../machines/supervisor.js';
