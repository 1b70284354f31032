import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One step of a migration: a statement, or work that needs the runner itself (a batched backfill). */
export type MigrationStep = string | ((queryRunner: QueryRunner) => Promise<void>);

export interface MigrationDefinition {
  /**
   * What the migrations table records, ending in the 13-digit timestamp TypeORM orders by. A
   * released migration keeps its name forever: a database that ran it must recognise it.
   */
  name: string;
  /** Run in order, inside the migration's transaction. */
  up: readonly MigrationStep[];
  /** Undoes `up`, in order. */
  down: readonly MigrationStep[];
}

export type MigrationClass = new () => MigrationInterface;

/**
 * The one way a service declares a migration: its name and the statements of each direction. The
 * returned class is what TypeORM's datasource lists, named after the migration.
 */
export function defineMigration(definition: MigrationDefinition): MigrationClass {
  if (!/\d{13}$/.test(definition.name)) {
    throw new Error(`migration ${definition.name} must end in its 13-digit timestamp`);
  }
  const migration = class implements MigrationInterface {
    readonly name = definition.name;

    up(queryRunner: QueryRunner): Promise<void> {
      return runSteps(queryRunner, definition.up);
    }

    down(queryRunner: QueryRunner): Promise<void> {
      return runSteps(queryRunner, definition.down);
    }
  };
  Object.defineProperty(migration, 'name', { value: definition.name });
  return migration;
}

async function runSteps(queryRunner: QueryRunner, steps: readonly MigrationStep[]): Promise<void> {
  for (const step of steps) {
    if (typeof step === 'string') await queryRunner.query(step);
    else await step(queryRunner);
  }
}
