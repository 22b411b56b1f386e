// Every connection method by name: the options it takes and how it builds the command line.
import type { LaunchSpec } from '../parent/connection.js';
import { localLaunch } from './local.js';
import type { LocalOptions } from './options.js';

export interface MethodOptions {
  local: LocalOptions;
}
export type ConnectionMethod = keyof MethodOptions;

export type MethodBuilder<O> = (opts: O, node: { command: string; args: string[] }) => LaunchSpec;

export const METHODS: { [M in ConnectionMethod]: MethodBuilder<MethodOptions[M]> } = {
  local: localLaunch,
};
