import { hostname, userInfo } from 'node:os';
import { gitState } from '../core/git.js';

/**
 * The lesson's STOB tags — SHA, Time, OS, Builder — need values the template cannot compute
 * itself. imagegate passes them in the environment; templates read them with `env("GIT_SHA")`
 * in variable defaults. The base OS is the template's own knowledge and stays there.
 */
export interface Stamp {
  gitSha: string;
  gitDirty: boolean;
  buildTime: string;
  builder: string;
  runId: string;
}

/** Who built it: the CI run when there is one, else user@host. */
export function builderIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_ACTIONS && env.GITHUB_REPOSITORY) {
    return `github-actions:${env.GITHUB_REPOSITORY}#${env.GITHUB_RUN_ID ?? '?'}`;
  }
  if (env.GITLAB_CI && env.CI_PROJECT_PATH)
    return `gitlab-ci:${env.CI_PROJECT_PATH}#${env.CI_PIPELINE_ID ?? '?'}`;
  if (env.CI) return `ci@${hostname()}`;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry in some containers */
  }
  return `${user}@${hostname()}`;
}

export function makeStamp(cwd: string, runId: string, now = new Date()): Stamp {
  const git = gitState(cwd);
  return {
    gitSha: git.sha,
    gitDirty: git.dirty,
    buildTime: now.toISOString(),
    builder: builderIdentity(),
    runId,
  };
}

export function stampEnv(s: Stamp): Record<string, string> {
  return {
    GIT_SHA: s.gitSha,
    IMAGEGATE_GIT_SHA: s.gitSha,
    IMAGEGATE_BUILD_TIME: s.buildTime,
    IMAGEGATE_BUILDER: s.builder,
    IMAGEGATE_RUN_ID: s.runId,
  };
}
