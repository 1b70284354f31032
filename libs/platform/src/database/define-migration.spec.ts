import type { QueryRunner } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { defineMigration } from './define-migration.js';

function recordingRunner(): { runner: QueryRunner; statements: string[] } {
  const statements: string[] = [];
  const runner = {
    query: (sql: string) => {
      statements.push(sql);
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  return { runner, statements };
}

describe(defineMigration.name, () => {
  const CreateThings1790000000000 = defineMigration({
    name: 'CreateThings1790000000000',
    up: [
      'CREATE TABLE things (id int)',
      async (queryRunner) => {
        await queryRunner.query('INSERT INTO things VALUES (1)');
      },
      'CREATE INDEX things_idx ON things (id)',
    ],
    down: ['DROP TABLE things'],
  });

  it('names the class and the instance as TypeORM records them', () => {
    expect(CreateThings1790000000000.name).toBe('CreateThings1790000000000');
    expect(new CreateThings1790000000000().name).toBe('CreateThings1790000000000');
  });

  it('runs the statements and steps of each direction in order', async () => {
    const { runner, statements } = recordingRunner();
    const migration = new CreateThings1790000000000();
    await migration.up(runner);
    await migration.down(runner);
    expect(statements).toEqual([
      'CREATE TABLE things (id int)',
      'INSERT INTO things VALUES (1)',
      'CREATE INDEX things_idx ON things (id)',
      'DROP TABLE things',
    ]);
  });

  it('refuses a name without the timestamp TypeORM orders by', () => {
    expect(() => defineMigration({ name: 'CreateThings', up: [], down: [] })).toThrow(/13-digit timestamp/);
  });
});
