// A policy folder that cannot be loaded: every problem names the file, the policy and Cedar's own
// words, so whoever edited it can fix it without guessing. Thrown by PolicyEngine.load and
// returned (never thrown) by reload, which keeps the running set.

export interface PolicyProblem {
  /** Path of the offending file, as the policy directory was given plus the file name. */
  file: string;
  /** The policy's id (its @id annotation, or `<file-stem>.<index>`), when the problem is in one. */
  policyId?: string;
  /** 1-based position in the file, when Cedar reported one. */
  line?: number;
  column?: number;
  message: string;
}

export class PolicyLoadError extends Error {
  readonly code = 'POLICY_INVALID';
  readonly problems: readonly PolicyProblem[];

  constructor(dir: string, problems: readonly PolicyProblem[]) {
    super(
      `invalid Cedar policy set in ${dir}:\n${problems.map((problem) => `  - ${describeProblem(problem)}`).join('\n')}`,
    );
    this.name = 'PolicyLoadError';
    this.problems = problems;
  }
}

export function describeProblem(problem: PolicyProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  const policy = problem.policyId === undefined ? '' : ` policy "${problem.policyId}"`;
  return `${where}${policy}: ${problem.message}`;
}
