// The runtime's logger and its record format (src/core/logging/): what TENDRIL_DEBUG means, which
// records a Logger produces, and FORWARD_LOG payloads that survive the trip or are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/core/wire/codec.js';
import { LOG_LEVELS, fromWire, logRecord, toWire, type LogRecord, type LogSource } from '../../src/core/logging/log-record.js';
import { Logger, parseDebug } from '../../src/core/logging/logger.js';
import { assertProperty } from '../support/fc.js';

describe('TENDRIL_DEBUG values', () => {
  it('off, every topic, or a list of topics', () => {
    for (const off of [undefined, '', ' ', '0', 'false', 'FALSE', ',']) expect(parseDebug(off)).toBe(false);
    for (const all of ['1', 'true', 'True', '*', 'all']) expect(parseDebug(all)).toBe(true);
    expect(parseDebug('routing')).toEqual(['routing']);
    expect(parseDebug(' routing, modules ,,')).toEqual(['routing', 'modules']);
  });
});

describe('Logger', () => {
  const collect = (debug: boolean | string[], level?: 'info' | 'warn' | 'error'): { logger: Logger; out: LogRecord[] } => {
    const out: LogRecord[] = [];
    return { logger: new Logger(7, 'seven', (r) => out.push(r), debug, level), out };
  };

  it('debug records only for the topics on, each with its topic; other levels always', () => {
    const { logger, out } = collect(['routing']);
    logger.debug('routing', 'a');
    logger.debug('modules', 'b');
    logger.log('debug', 'c', 'routing');
    logger.log('debug', 'no topic');
    logger.log('warn', 'd');
    expect(out.map((r) => [r.level, r.topic, r.message])).toEqual([
      ['debug', 'routing', 'a'],
      ['debug', 'routing', 'c'],
      ['warn', undefined, 'd'],
    ]);
    expect(out[0]).toMatchObject({ context: 'seven', contextName: 'seven', contextId: 7, source: 'tendril' });
    expect(logger.debugEnabled('modules')).toBe(false);
    logger.setDebug(true);
    logger.log('debug', 'no topic');
    expect(out.at(-1)).toMatchObject({ level: 'debug', topic: 'general', message: 'no topic' });
  });

  it('off by default; the level filters info, warn and error', () => {
    const { logger, out } = collect(false, 'warn');
    logger.debug('routing', 'x');
    logger.log('info', 'quiet');
    logger.log('warn', 'loud');
    logger.log('error', 'louder');
    expect(out.map((r) => r.message)).toEqual(['loud', 'louder']);
    logger.setDebug([]);
    expect(logger.debugEnabled('routing')).toBe(false);
  });
});

describe('FORWARD_LOG payload', () => {
  const record: fc.Arbitrary<LogRecord> = fc
    .tuple(
      fc.nat(),
      fc.string({ maxLength: 30 }),
      fc.constantFrom<LogSource>('stdout', 'stderr', 'tendril'),
      fc.constantFrom(...LOG_LEVELS),
      fc.string({ maxLength: 200 }),
      fc.integer({ min: 0, max: 2 ** 45 }),
      fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    )
    .map(([id, name, source, level, message, time, topic]) => logRecord(id, name, source, level, message, time, topic));

  it('a record survives encoding as it is', () => {
    assertProperty(fc.property(record, (r) => {
      expect(fromWire(decode(encode(toWire(r))))).toEqual(r);
    }), { numRuns: 200 });
  });

  it('anything else is refused', () => {
    const good = toWire(logRecord(1, 'a', 'tendril', 'info', 'm', 5));
    const bad: unknown[] = [null, 'x', [], good.slice(0, 6), [...good, 'extra']];
    for (const [i, v] of [[0, -1], [0, 1.5], [0, '1'], [1, 3], [2, 'stdin'], [3, 'fatal'], [4, '5'], [5, null], [6, 3]] as const) {
      const copy: unknown[] = [...good];
      copy[i] = v;
      bad.push(copy);
    }
    for (const v of bad) expect(fromWire(v), JSON.stringify(v)).toBeNull();
    expect(fromWire(good)).not.toBeNull();
  });
});
