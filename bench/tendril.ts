// Which tendril the bench measures: the built package (dist/index.js, what `import 'tendril'`
// gives a user; the default) or the TypeScript sources through tsx (BENCH_SRC=1), whose
// transpiled output carries tsx's own helpers on every function and is slower.
import type * as Api from '../src/index.js';

export const fromSource = process.env.BENCH_SRC === '1';
const entry = fromSource ? '../src/index.js' : '../dist/index.js';
const api = (await import(entry)) as typeof Api;

export const Router = api.Router;
export type Router = Api.Router;
export type Context = Api.Context;
export const measured = fromSource ? 'src/ via tsx (BENCH_SRC=1)' : 'dist/index.js';
