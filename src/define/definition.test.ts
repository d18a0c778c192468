import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, recognise } from './definition.js';
import { defineFault } from './fault.js';

const faultName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const madeFault = fc.record({ name: faultName, description: fc.string({ minLength: 1, maxLength: 20 }), healRank: fc.integer({ min: -100, max: 100 }) })
  .map((input) => defineFault({ ...input, create: () => ({ fault: input.name, invoke: async () => 'done' }) }));

describe('recognise', () => {
  it('recognises every fault that defineFault makes, as itself', () => {
    fc.assert(fc.property(madeFault, (fault) => {
      expect(recognise(fault, 'the default export')).toEqual({ definition: fault });
    }));
  });

  it('names the field a made fault lost, whichever it is', () => {
    const field = fc.constantFrom(...Object.keys(KINDS.fault.fields), 'kind');
    fc.assert(fc.property(madeFault, field, (fault, lost) => {
      const copy: Record<string, unknown> = { ...fault };
      delete copy[lost];
      const seen = recognise(copy, 'export "x"', 'fault');
      if (lost === 'name') expect(seen?.problem).toBe(`fault (unnamed) (export "x") has no field "name"; expected a string, as defineFault(...) sets it`);
      else if (lost === 'kind') expect(seen?.problem).toBe('export "x" has no field "kind"; expected an object made with defineFault(...)');
      else expect(seen?.problem).toContain(`fault ${JSON.stringify(fault.name)} (export "x") has no field "${lost}"`);
    }));
  });

  it('leaves alone values that are not definitions and do not look like one', () => {
    const unrelated = fc.oneof(
      fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
      fc.dictionary(fc.string().filter((k) => k !== 'kind' && k !== 'name'), fc.jsonValue()),
      fc.record({ name: fc.string(), port: fc.integer(), host: fc.string() }),
    );
    fc.assert(fc.property(unrelated, (value) => {
      expect(recognise(value, 'export "v"')).toBeUndefined();
    }));
  });
});
