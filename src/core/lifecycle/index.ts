// Lifecycles without XState: generated tables + a small interpreter (issue 10, part 1).
//
//   import { createLifecycle, streamTable } from '../lifecycle/index.js';
//   const impl = {                                   // one object per table, shared by instances
//     actions: { recordDrain: (ctx, e) => { ctx.reason = ... }, onDead: (ctx) => ... },
//     guards: { isNewChild: (ctx, e) => ... },       // every guard the table names
//     timers: { grace: (ctx) => ctx.graceMs },       // named delays of `after` timers (ms)
//     clock,                                         // optional: { setTimeout, clearTimeout }
//     onState: (ctx, state, event) => ...,           // optional: after every change of state
//   };
//   const life = createLifecycle(streamTable, impl, ctx); // initial state entered, entry actions run
//   life.send({ type: 'CONNECTED' });                // true if a transition was taken
//   life.state; life.done;                           // 'bootstrapping'; true once final
//
// Tables (generated/*.ts) come from machines/*.ts through scripts/gen-machine-tables.mjs, run
// by scripts/build.mjs; never edit them. Actions get (context, event) in XState's order (exit,
// transition, entry); assign actions of the machine are named actions here, implemented by the
// runtime on its own context. Timer expiries arrive as events whose type is XState's
// `xstate.after.<delay>.<machine>.<state>`. An event sent from inside an action is handled
// after the current one, as in XState. Done lifecycles ignore events.
export { createLifecycle, Lifecycle, type AnyLifecycleEvent, type LifecycleClock, type LifecycleEvent, type LifecycleImplementation } from './interpreter.js';
export type { ActionOf, DelayOf, GuardOf, LifecycleTable, StateOf, TableState, TableTransition } from './table.js';
export { streamTable } from './generated/stream.js';
export { contextTable } from './generated/context.js';
export { receiverTable } from './generated/receiver.js';
export { callTable } from './generated/call.js';
