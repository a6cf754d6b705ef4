import type { Command } from 'commander';
import { redactUrl } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';

/** Registers `rookery migrate`: brings the database schema up to date (idempotent). */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  addDbOption(program.command('migrate').description('create or upgrade the database schema (safe to run again)')).action(
    async (_opts: unknown, cmd: Command) => {
      const url = dbUrlOf(cmd, io.env);
      const status = await withDatastore(url, (store) => store.migrate());
      writeLine(io.stdout, `schema at version ${status.databaseVersion} of ${status.codeVersion} (${redactUrl(url)})`);
    },
  );
}
