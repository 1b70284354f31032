import { describe, expect, it } from 'vitest';
import { isReadOnlyRequest } from './read-snapshot.js';

describe(isReadOnlyRequest.name, () => {
  it('takes a request of /get, /query, /changes and /queryChanges calls alone for read-only', () => {
    expect(isReadOnlyRequest(['Email/query', 'Email/get', 'Mailbox/changes', 'Email/queryChanges'])).toBe(
      true,
    );
    expect(isReadOnlyRequest(['Email/query', 'Email/set', 'Email/get'])).toBe(false);
    expect(isReadOnlyRequest(['Email/import'])).toBe(false);
    expect(isReadOnlyRequest(['Email/parse'])).toBe(false);
    expect(isReadOnlyRequest(['Core/echo'])).toBe(false);
    expect(isReadOnlyRequest([])).toBe(false);
  });
});
