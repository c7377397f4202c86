// Scenarios whose subject, the Sentinel filter's rules (issue 4), does not exist yet. They are
// registered so `npm run bench -- <name>` answers with the reason instead of "unknown scenario".
import { ScenarioUnavailable, type Scenario } from "./types.ts";

function pending(name: string, description: string): Scenario {
  return {
    name, description,
    plannedMs: () => 0,
    run: () => Promise.reject(new ScenarioUnavailable(`${name}: needs the Sentinel filter (issue 4)`)),
  };
}

export const pendingScenarios: Scenario[] = [
  pending("rate-limit", "offered 3x the threshold, uniform and skewed across workers: admitted per interval vs threshold"),
  pending("concurrency", "long-lived connections against a concurrency threshold"),
  pending("circuit-breaker", "upstream goes slow / failing, then recovers: breaker state and admitted rate over time"),
  pending("naive", "the rate-limit scenario with a per-worker-only limiter, to show what global aggregation buys"),
];
