import type { Command } from 'commander';

/** Each command group registers its verbs on the program. Add yours to this list. */
export type RegisterCommands = (program: Command) => void;

export const commandGroups: RegisterCommands[] = [];
