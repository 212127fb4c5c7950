import type { Command } from 'commander';
import { register as registerBuild } from './build.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerGate } from './gate.js';
import { register as registerLint } from './lint.js';
import { register as registerPlan } from './plan.js';
import { register as registerPromote } from './promote.js';
import { register as registerPrune } from './prune.js';
import { register as registerReport } from './report.js';
import { register as registerSweep } from './sweep.js';
import { register as registerTest } from './test.js';
import { register as registerValidate } from './validate.js';

/**
 * One file per command; each exports `register(program)`. Add a command by adding its file and
 * one line here.
 */
export function registerCommands(program: Command): void {
  registerBuild(program);
  registerDoctor(program);
  registerGate(program);
  registerLint(program);
  registerPlan(program);
  registerPrune(program);
  registerPromote(program);
  registerReport(program);
  registerSweep(program);
  registerTest(program);
  registerValidate(program);
}
