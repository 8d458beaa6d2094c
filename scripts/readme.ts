// The README's configuration table is generated from the same table the service validates
// (src/config.ts), so the documentation cannot drift from the code.
import { envTable } from "../src/config.js";

const START = "<!-- env-table:start -->";
const END = "<!-- env-table:end -->";

export function withEnvTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md: markers ${START} and ${END} not found`);
  return `${readme.slice(0, from + START.length)}\n${envTable()}\n${readme.slice(to)}`;
}
