import type { Command } from 'commander';

/**
 * One file per command; each exports `register(program)`. Add a command by adding its file and
 * one line here.
 */
export function registerCommands(_program: Command): void {}
