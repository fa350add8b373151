/** A named dependency check: resolves true when the dependency can take work. */
export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean>;
  failed: string[];
}

/** A check that throws, or does not answer within `timeoutMs`, counts as failed: a probe must not hang. */
async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().then((ok) => ok === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once and reports which failed. */
export async function checkReadiness(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  const report = Object.fromEntries(names.map((name, index) => [name, results[index]!]));
  const failed = names.filter((_, index) => !results[index]);
  return { ready: failed.length === 0, checks: report, failed };
}
