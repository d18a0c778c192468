import { describe, expect, it } from 'vitest';
import { OpFailure } from 'faultline';
import { natsFailure } from './nats-errors.ts';

describe('natsFailure', () => {
  // [what the nats client threw, the kind of request, definite?, message]
  const cases: [unknown, 'read' | 'write' | 'never-sent', boolean, string][] = [
    [{ code: 'TIMEOUT', message: 'TIMEOUT' }, 'read', true, 'op: TIMEOUT'],
    [{ code: 'TIMEOUT', message: 'TIMEOUT' }, 'write', false, 'op: TIMEOUT'],
    [{ code: 'CONNECTION_CLOSED', message: 'connection closed' }, 'write', false, 'op: CONNECTION_CLOSED connection closed'],
    [{ code: 'CONNECTION_REFUSED', message: 'CONNECTION_REFUSED' }, 'write', true, 'op: CONNECTION_REFUSED'],
    [{ code: 'CONNECTION_REFUSED', message: 'CONNECTION_REFUSED' }, 'never-sent', true, 'op: CONNECTION_REFUSED'],
    [{ code: '503', message: '503' }, 'write', true, 'op: no responders (503)'],
    [{ code: '400', message: 'wrong last sequence: 7', api_error: { err_code: 10071, description: 'wrong last sequence: 7' } }, 'write', true, 'op: wrong last sequence: 7 (err_code 10071)'],
    [{ code: '503', message: 'JetStream system temporarily unavailable', api_error: { err_code: 10008, description: 'JetStream system temporarily unavailable' } }, 'write', false, 'op: JetStream system temporarily unavailable (err_code 10008)'],
    ['socket hang up', 'write', false, 'op: socket hang up'],
  ];

  it.each(cases)('%j on a %s: definite %s', (err, kind, definite, message) => {
    const failure = natsFailure('op', err, kind);
    expect(failure).toBeInstanceOf(OpFailure);
    expect({ definite: failure.definite, message: failure.message }).toEqual({ definite, message });
  });
});
