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
];
