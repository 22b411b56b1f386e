// Every connection method by name: the options it takes and how it builds the command line.
// Only `local` is built in: this module is part of the parent bundle an intermediate receives,
// which must stay small. The master registers the others at load (src/methods/all.ts); an
// intermediate fetches them on first use (the methods bundle, src/methods/remote-entry.ts).
import type { MethodResolver, MethodTable } from '../parent/method-table.js';
import { localLaunch } from './local.js';



export const METHODS: MethodTable = {
  local: localLaunch,
};

/** Adds connection methods (the master at load, an intermediate when it fetched them). */
export function registerMethods(table: MethodTable): void {
  Object.assign(METHODS, table);
}

/** The master's resolver for ChildSet: every method is registered at load. */
export const resolveRegistered: MethodResolver = (method) => METHODS[method];
